import { invalidArgument } from '../../lib/index.js';
import { buildSpec, type ContainerSpecInput, type HostInfo, type MountInput, type RuntimeSpec, type SeccompMode } from '../../runtime/index.js';
import { resourcesInput } from './limits.js';
import type { ContainerConfig, ContainerCreateRequest } from './types.js';
import type { ResolvedUser } from './users.js';

/** Where `--init` puts the init binary inside the container, as Docker does. */
export const INIT_PATH = '/sbin/docker-init';

export interface SpecContext {
  rootfs: string;
  user: ResolvedUser;
  /** Generated /etc files and other bind mounts. */
  mounts: MountInput[];
  cgroupsPath: string;
  /** Another container's network namespace to join (`container:<name>`). */
  netnsPath?: string;
  /** The host's init binary for `--init` (catatonit, tini, docker-init). */
  initBinary?: string;
}

interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp?: SeccompMode;
}

/** `--security-opt` values berth understands; anything else is refused at create. */
export function parseSecurityOpt(options: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false };
  for (const raw of options) {
    const [key = '', value] = raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : raw.split(':', 2);
    if (key === 'no-new-privileges') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw invalidArgument(`invalid --security-opt 2: "${raw}"`);
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value === 'unconfined') {
      out.seccomp = 'unconfined';
    } else if ((key === 'apparmor' || key === 'label') && value !== undefined) {
      // accepted and ignored: no AppArmor/SELinux profile is applied on this host
    } else {
      throw invalidArgument(`invalid --security-opt: ${JSON.stringify(raw)}`);
    }
  }
  return out;
}

/** The user's environment extras Docker adds: HOSTNAME always, HOME from passwd when unset. */
function processEnv(config: ContainerConfig, user: ResolvedUser, hostname: string): string[] {
  const env = config.env.filter((e) => !e.startsWith('HOSTNAME='));
  const out = [`HOSTNAME=${hostname}`, ...env];
  if (!env.some((e) => e.startsWith('HOME='))) out.push(`HOME=${user.home}`);
  return out;
}

export function specInput(request: ContainerCreateRequest, config: ContainerConfig, ctx: SpecContext): ContainerSpecInput {
  const security = parseSecurityOpt(request.securityOpt ?? []);
  const hostNetwork = request.networkMode === 'host';
  let args = [config.path, ...config.args];
  const mounts = [...ctx.mounts];
  if (request.init === true) {
    if (ctx.initBinary === undefined) throw invalidArgument('--init: no init binary (catatonit, tini or docker-init) was found on this host');
    mounts.push({ type: 'bind', source: ctx.initBinary, destination: INIT_PATH, readonly: true, recursive: false });
    args = [INIT_PATH, '--', ...args];
  }
  const input: ContainerSpecInput = {
    rootfs: ctx.rootfs,
    readonlyRootfs: request.readonlyRootfs === true,
    args,
    env: processEnv(config, ctx.user, config.hostname),
    cwd: config.workingDir === '' ? '/' : config.workingDir,
    user: { uid: ctx.user.uid, gid: ctx.user.gid, additionalGids: ctx.user.additionalGids },
    terminal: config.tty,
    hostname: config.hostname,
    privileged: request.privileged === true,
    capAdd: request.capAdd ?? [],
    capDrop: request.capDrop ?? [],
    noNewPrivileges: security.noNewPrivileges,
    mounts,
    namespaces: { network: hostNetwork ? 'host' : ctx.netnsPath !== undefined ? { path: ctx.netnsPath } : 'private' },
    resources: resourcesInput(request.resources ?? {}),
    cgroupsPath: ctx.cgroupsPath,
  };
  if (request.ulimits?.length) input.rlimits = request.ulimits.map((u) => ({ type: u.name, soft: u.soft, hard: u.hard }));
  if (security.seccomp !== undefined) input.seccomp = security.seccomp;
  return input;
}

/** The runtime spec, refusing bad input with invalid-argument errors. */
export function containerSpec(request: ContainerCreateRequest, config: ContainerConfig, ctx: SpecContext, host: HostInfo): RuntimeSpec {
  return buildSpec(specInput(request, config, ctx), host);
}

/** Runs the spec builder at create time with stand-ins for what only start knows. */
export function checkSpec(request: ContainerCreateRequest, config: ContainerConfig, host: HostInfo, initBinary: string | undefined): void {
  const ctx: SpecContext = {
    rootfs: '/nonexistent-rootfs',
    user: { uid: 0, gid: 0, additionalGids: [], home: '/' },
    mounts: [],
    cgroupsPath: '/berth/check',
    ...(initBinary === undefined ? {} : { initBinary }),
  };
  containerSpec(request, config, ctx, host);
}
