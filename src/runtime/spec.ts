import path from 'node:path';
import { invalidArgument } from '../lib/index.js';
import { capabilitySet } from './capabilities.js';
import type { HostInfo } from './host.js';
import { seccompFor } from './seccomp.js';
import {
  DEFAULT_DEVICE_RULES,
  DEFAULT_PATH,
  DEFAULT_SHM_SIZE,
  MASKED_PATHS,
  PRIVILEGED_DEVICE_RULES,
  READONLY_PATHS,
} from './spec-defaults.js';
import type { ContainerSpecInput } from './spec-input.js';
import { buildMounts, defaultMounts, rootfsPropagationFor } from './spec-mounts.js';
import { buildNamespaces, checkSysctls } from './spec-namespaces.js';
import { buildResources } from './spec-resources.js';
import { buildRlimits } from './spec-rlimits.js';
import type { RuntimeSpec, SpecCapabilities, SpecLinux, SpecProcess, SpecUser } from './spec-types.js';

export const OCI_VERSION = '1.0.2';

const MAX_ID = 0xfffffffe;

function id(field: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ID) throw invalidArgument(`${field}: must be an id between 0 and ${MAX_ID}, got ${String(n)}`);
  return n;
}

function userOf(input: ContainerSpecInput): SpecUser {
  const u = input.user ?? { uid: 0, gid: 0 };
  const user: SpecUser = { uid: id('user.uid', u.uid), gid: id('user.gid', u.gid) };
  if (u.additionalGids !== undefined && u.additionalGids.length > 0) {
    user.additionalGids = u.additionalGids.map((g, i) => id(`user.additionalGids[${i}]`, g));
  }
  if (u.umask !== undefined) {
    if (!Number.isInteger(u.umask) || u.umask < 0 || u.umask > 0o777) throw invalidArgument('user.umask: must be between 0 and 0777');
    user.umask = u.umask;
  }
  return user;
}

function envOf(input: ContainerSpecInput): string[] {
  const env = [...(input.env ?? [])];
  env.forEach((e, i) => {
    if (typeof e !== 'string' || e.indexOf('=') < 1) throw invalidArgument(`env[${i}]: must be KEY=value, got ${JSON.stringify(e)}`);
  });
  const has = (key: string): boolean => env.some((e) => e.startsWith(`${key}=`));
  if (!has('PATH')) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (input.terminal === true && !has('TERM')) env.push('TERM=xterm');
  return env;
}

function hostnameOf(input: ContainerSpecInput): string | undefined {
  const name = input.hostname;
  if (name === undefined || name === '') return undefined;
  if (input.namespaces?.uts === 'host') throw invalidArgument('hostname: cannot be set with the host\'s UTS namespace');
  if (name.length > 64 || !/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name)) throw invalidArgument(`hostname: not a valid host name: ${JSON.stringify(name)}`);
  return name;
}

function processOf(input: ContainerSpecInput, host: HostInfo, caps: string[]): SpecProcess {
  if (!Array.isArray(input.args) || input.args.length === 0 || input.args.some((a) => typeof a !== 'string')) {
    throw invalidArgument('args: a container needs a command (a non-empty list of strings)');
  }
  const cwd = input.cwd ?? '/';
  if (!path.posix.isAbsolute(cwd)) throw invalidArgument(`cwd: must be an absolute path, got ${JSON.stringify(cwd)}`);
  const user = userOf(input);
  // A process that is not root loses its permitted and effective capabilities at exec anyway
  // (it has no ambient ones); say so in the spec rather than hand them over until then.
  const capabilities: SpecCapabilities = {
    bounding: caps,
    effective: user.uid === 0 ? caps : [],
    permitted: user.uid === 0 ? caps : [],
    inheritable: [],
    ambient: [],
  };
  const proc: SpecProcess = {
    terminal: input.terminal === true,
    user,
    args: [...input.args],
    env: envOf(input),
    cwd,
    capabilities,
    noNewPrivileges: input.noNewPrivileges === true,
  };
  const rlimits = buildRlimits(input.rlimits ?? [], host.rlimits);
  if (rlimits.length > 0) proc.rlimits = rlimits;
  if (input.oomScoreAdj !== undefined) {
    if (!Number.isInteger(input.oomScoreAdj) || input.oomScoreAdj < -1000 || input.oomScoreAdj > 1000) {
      throw invalidArgument(`oomScoreAdj: must be between -1000 and 1000, got ${String(input.oomScoreAdj)}`);
    }
    proc.oomScoreAdj = input.oomScoreAdj;
  }
  return proc;
}

function cgroupsPathOf(p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined;
  if (p.split(/[/:]/).includes('..')) throw invalidArgument(`cgroupsPath: must not contain "..": ${JSON.stringify(p)}`);
  return p;
}

/**
 * The OCI runtime config (config.json) for one container on this host: Docker's
 * defaults (capabilities, mounts, masked and read-only paths, device rules, seccomp)
 * tuned by the input, checked against what the host can actually give. Bad values are
 * refused with invalid-argument errors naming the field; requests the host cannot
 * satisfy (a capability or rlimit beyond the daemon's own) with failed-precondition.
 */
export function buildSpec(input: ContainerSpecInput, host: HostInfo): RuntimeSpec {
  if (typeof input.rootfs !== 'string' || input.rootfs === '') throw invalidArgument('rootfs: a root filesystem path is required');
  const privileged = input.privileged === true;
  const ns = input.namespaces ?? {};
  const caps = capabilitySet({ add: input.capAdd ?? [], drop: input.capDrop ?? [], privileged }, host);

  const shmSize = input.shmSize ?? DEFAULT_SHM_SIZE;
  if (!Number.isSafeInteger(shmSize) || shmSize <= 0) throw invalidArgument(`shmSize: must be a positive number of bytes, got ${String(input.shmSize)}`);
  const userMounts = input.mounts ?? [];
  const mounts = buildMounts(
    defaultMounts({ privileged, cgroupLayout: host.cgroup.layout, shmSize, hostIpc: ns.ipc === 'host' }),
    userMounts,
  );

  const resources = buildResources(input.resources ?? {}, host);
  resources.devices = [...(privileged ? PRIVILEGED_DEVICE_RULES : DEFAULT_DEVICE_RULES)].map((d) => ({ ...d }));

  const linux: SpecLinux = {
    namespaces: buildNamespaces(ns, host.cgroup.layout),
    resources,
    maskedPaths: privileged ? [] : [...MASKED_PATHS],
    readonlyPaths: privileged ? [] : [...READONLY_PATHS],
  };
  const cgroupsPath = cgroupsPathOf(input.cgroupsPath);
  if (cgroupsPath !== undefined) linux.cgroupsPath = cgroupsPath;
  const sysctl = checkSysctls(input.sysctl ?? {}, ns);
  if (Object.keys(sysctl).length > 0) linux.sysctl = sysctl;
  const seccomp = seccompFor(input.seccomp, { privileged, capabilities: caps }, host);
  if (seccomp !== undefined) linux.seccomp = seccomp;
  const propagation = rootfsPropagationFor(userMounts);
  if (propagation !== undefined) linux.rootfsPropagation = propagation;

  const spec: RuntimeSpec = {
    ociVersion: OCI_VERSION,
    process: processOf(input, host, caps),
    root: { path: input.rootfs, readonly: input.readonlyRootfs === true },
    mounts,
    linux,
  };
  const hostname = hostnameOf(input);
  if (hostname !== undefined) spec.hostname = hostname;
  if (input.annotations !== undefined && Object.keys(input.annotations).length > 0) {
    for (const [k, v] of Object.entries(input.annotations)) {
      if (k === '' || typeof v !== 'string') throw invalidArgument(`annotations: ${JSON.stringify(k)} needs a non-empty key and a string value`);
    }
    spec.annotations = { ...input.annotations };
  }
  return spec;
}
