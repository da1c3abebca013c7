import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { failedPrecondition } from '../lib/index.js';
import { capabilitiesFromMask } from './capabilities.js';
import {
  capBndFromStatus,
  cgroupMountsFromMountinfo,
  parseKernelRelease,
  parseProcLimits,
  parseRuntimeVersion,
  type CgroupHierarchy,
  type CgroupLayout,
  type RlimitType,
  type RlimitValue,
} from './host-parse.js';

export type RuntimeName = 'runc' | 'crun';

export interface RuntimeInfo {
  name: RuntimeName;
  /** Absolute path of the executable. */
  path: string;
  /** Parsed version, e.g. `1.1.5+ds1`. */
  version: string;
  /** Whole `--version` output. */
  versionOutput: string;
}

export interface CgroupInfo {
  layout: CgroupLayout;
  /** cgroup v1 hierarchies with their mountpoints (empty on v2). */
  v1: CgroupHierarchy[];
  /** Where cgroup2 is mounted, if anywhere (/sys/fs/cgroup or /sys/fs/cgroup/unified). */
  unifiedMountpoint?: string;
  /** Controllers enabled in the cgroup2 tree (cgroup.controllers at its root). */
  v2Controllers: string[];
  /** Whether a memory+swap limit can be set (memory.memsw.* on v1, memory.swap.max on v2). */
  swapAccounting: boolean;
}

/** What berth needs to know of the machine to write a runtime spec and start a runtime. */
export interface HostInfo {
  kernel: { release: string; version: [number, number] };
  /** Node's name for the CPU architecture: `x64`, `arm64`, … */
  arch: string;
  cpus: number;
  cgroup: CgroupInfo;
  runtimes: Partial<Record<RuntimeName, RuntimeInfo>>;
  /** The daemon's capability bounding set: no container can hold more. */
  capabilityBounding: string[];
  /** The daemon's own rlimits: a container's may not exceed their hard limits. */
  rlimits: Partial<Record<RlimitType, RlimitValue>>;
  /** Helper programs on PATH (absolute paths), for `runtimeInvocation`. */
  tools: { unshare?: string; sh?: string };
  features: {
    seccomp: boolean;
    userNamespaces: boolean;
    apparmor: boolean;
  };
}

const EXTRA_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...EXTRA_PATH];
  for (const dir of new Set(dirs)) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function execOutput(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function detectRuntime(name: RuntimeName): Promise<RuntimeInfo | undefined> {
  const file = await findExecutable(name);
  if (file === undefined) return undefined;
  const out = await execOutput(file, ['--version']);
  if (out === undefined) return undefined;
  return { name, path: file, version: parseRuntimeVersion(out), versionOutput: out.trim() };
}

async function detectCgroup(): Promise<CgroupInfo> {
  const mounts = cgroupMountsFromMountinfo((await readText('/proc/self/mountinfo')) ?? '');
  const unified = mounts.unifiedMountpoint;
  const v2Controllers =
    unified === undefined ? [] : ((await readText(path.join(unified, 'cgroup.controllers'))) ?? '').split(/\s+/).filter((c) => c !== '');
  let swapAccounting = false;
  if (mounts.layout === 'v2') {
    // The root has no memory.swap.max; look in the daemon's own cgroup.
    const own = /^0::(.*)$/m.exec((await readText('/proc/self/cgroup')) ?? '')?.[1] ?? '/';
    swapAccounting = v2Controllers.includes('memory') && (await exists(path.join('/sys/fs/cgroup', own, 'memory.swap.max')));
  } else {
    const memory = mounts.v1.find((h) => h.controllers.includes('memory'));
    swapAccounting = memory !== undefined && (await exists(path.join(memory.mountpoint, 'memory.memsw.limit_in_bytes')));
  }
  return { layout: mounts.layout, v1: mounts.v1, ...(unified === undefined ? {} : { unifiedMountpoint: unified }), v2Controllers, swapAccounting };
}

async function probeHost(): Promise<HostInfo> {
  const release = os.release();
  const [cgroup, runc, crun, status, limits, unshare, sh, maxUserNs, apparmor] = await Promise.all([
    detectCgroup(),
    detectRuntime('runc'),
    detectRuntime('crun'),
    readText('/proc/self/status'),
    readText('/proc/self/limits'),
    findExecutable('unshare'),
    findExecutable('sh'),
    readText('/proc/sys/user/max_user_namespaces'),
    readText('/sys/module/apparmor/parameters/enabled'),
  ]);
  const runtimes: Partial<Record<RuntimeName, RuntimeInfo>> = {};
  if (runc !== undefined) runtimes.runc = runc;
  if (crun !== undefined) runtimes.crun = crun;
  return {
    kernel: { release, version: parseKernelRelease(release) },
    arch: process.arch,
    cpus: os.availableParallelism(),
    cgroup,
    runtimes,
    capabilityBounding: capabilitiesFromMask(capBndFromStatus(status ?? '')),
    rlimits: parseProcLimits(limits ?? ''),
    tools: { ...(unshare === undefined ? {} : { unshare }), ...(sh === undefined ? {} : { sh }) },
    features: {
      seccomp: /^Seccomp:/m.test(status ?? ''),
      userNamespaces: Number((maxUserNs ?? '0').trim()) > 0,
      apparmor: (apparmor ?? '').trim() === 'Y',
    },
  };
}

let cached: Promise<HostInfo> | undefined;

/**
 * Probes the machine once (cgroup layout, runtimes, the daemon's capabilities and
 * rlimits) and keeps the answer; `refresh` probes again.
 */
export function detectHost(options: { refresh?: boolean } = {}): Promise<HostInfo> {
  if (cached === undefined || options.refresh === true) {
    const probe = probeHost();
    cached = probe;
    probe.catch(() => {
      if (cached === probe) cached = undefined;
    });
  }
  return cached;
}

/**
 * The argv prefix that starts `runtime` on this host; the caller appends the runtime's
 * own arguments (`run --bundle …`, `delete -f …`).
 *
 * crun refuses a hybrid layout (v1 controllers beside a cgroup2 mount), so there it runs
 * in a private mount namespace in which the cgroup2 mount is gone and the host looks
 * like plain cgroup v1. `"$0" "$@"` passes the runtime's path and arguments through the
 * shell without quoting.
 */
export function runtimeInvocation(runtime: RuntimeName, host: HostInfo): string[] {
  const info = host.runtimes[runtime];
  if (info === undefined) throw failedPrecondition(`runtime ${runtime} is not installed on this host`);
  if (runtime !== 'crun' || host.cgroup.layout !== 'hybrid') return [info.path];
  const unified = host.cgroup.unifiedMountpoint;
  if (unified === undefined || !/^[A-Za-z0-9/_.-]+$/.test(unified)) {
    throw failedPrecondition(`cannot hide the cgroup2 mount ${JSON.stringify(unified)} from crun`);
  }
  const { unshare, sh } = host.tools;
  if (unshare === undefined || sh === undefined) {
    throw failedPrecondition('crun on a hybrid cgroup host needs unshare(1) and sh(1), which were not found');
  }
  return [unshare, '--mount', '--propagation', 'private', sh, '-c', `umount ${unified} && exec "$0" "$@"`, info.path];
}
