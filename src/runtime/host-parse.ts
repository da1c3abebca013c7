/**
 * Pure parsers for what the kernel tells about the host: /proc/self/mountinfo (cgroup
 * layout), /proc/self/limits (rlimits) and runtimes' `--version` output.
 */

export type CgroupLayout = 'v1' | 'hybrid' | 'v2';

/** One cgroup v1 hierarchy: where it is mounted and which controllers it carries. */
export interface CgroupHierarchy {
  mountpoint: string;
  /** Controller names, plus `name=…` for named hierarchies such as `name=systemd`. */
  controllers: string[];
}

export interface CgroupMounts {
  layout: CgroupLayout;
  /** cgroup v1 hierarchies (empty on v2). */
  v1: CgroupHierarchy[];
  /** Where cgroup2 is mounted: /sys/fs/cgroup on v2, /sys/fs/cgroup/unified on hybrid. */
  unifiedMountpoint?: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * v2 when /sys/fs/cgroup itself is cgroup2; hybrid when v1 hierarchies sit next to a
 * cgroup2 mount at /sys/fs/cgroup/unified; v1 otherwise.
 */
export function cgroupMountsFromMountinfo(mountinfo: string): CgroupMounts {
  const v1: CgroupHierarchy[] = [];
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const mountpoint = before[4];
    if (mountpoint === undefined) continue;
    const where = unescapeMountPath(mountpoint);
    if (fstype === 'cgroup2') {
      if (where === CGROUP_ROOT || (unified === undefined && where === `${CGROUP_ROOT}/unified`)) unified = where;
    } else if (fstype === 'cgroup') {
      const controllers = superOptions
        .split(',')
        .filter((o) => o.startsWith('name=') || /^[a-z_]+$/.test(o))
        .filter((o) => !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'xattr', 'clone_children', 'noprefix', 'cpuset_v2_mode'].includes(o));
      v1.push({ mountpoint: where, controllers });
    }
  }
  if (unified === CGROUP_ROOT) return { layout: 'v2', v1: [], unifiedMountpoint: unified };
  if (v1.length > 0 && unified !== undefined) return { layout: 'hybrid', v1, unifiedMountpoint: unified };
  return { layout: 'v1', v1 };
}

/** RLIM_INFINITY: the kernel's "unlimited" (2^64 - 1). */
export const RLIM_INFINITY = (1n << 64n) - 1n;

export const RLIMIT_TYPES = [
  'RLIMIT_AS',
  'RLIMIT_CORE',
  'RLIMIT_CPU',
  'RLIMIT_DATA',
  'RLIMIT_FSIZE',
  'RLIMIT_LOCKS',
  'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_NOFILE',
  'RLIMIT_NPROC',
  'RLIMIT_RSS',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
  'RLIMIT_SIGPENDING',
  'RLIMIT_STACK',
] as const;

export type RlimitType = (typeof RLIMIT_TYPES)[number];

export interface RlimitValue {
  soft: bigint;
  hard: bigint;
}

const LIMIT_LABELS: Record<string, RlimitType> = {
  'max cpu time': 'RLIMIT_CPU',
  'max file size': 'RLIMIT_FSIZE',
  'max data size': 'RLIMIT_DATA',
  'max stack size': 'RLIMIT_STACK',
  'max core file size': 'RLIMIT_CORE',
  'max resident set': 'RLIMIT_RSS',
  'max processes': 'RLIMIT_NPROC',
  'max open files': 'RLIMIT_NOFILE',
  'max locked memory': 'RLIMIT_MEMLOCK',
  'max address space': 'RLIMIT_AS',
  'max file locks': 'RLIMIT_LOCKS',
  'max pending signals': 'RLIMIT_SIGPENDING',
  'max msgqueue size': 'RLIMIT_MSGQUEUE',
  'max nice priority': 'RLIMIT_NICE',
  'max realtime priority': 'RLIMIT_RTPRIO',
  'max realtime timeout': 'RLIMIT_RTTIME',
};

function limitValue(s: string): bigint {
  return s === 'unlimited' ? RLIM_INFINITY : BigInt(s);
}

/** The table of /proc/<pid>/limits, keyed by RLIMIT_* name. */
export function parseProcLimits(text: string): Partial<Record<RlimitType, RlimitValue>> {
  const out: Partial<Record<RlimitType, RlimitValue>> = {};
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(unlimited|\d+)\s+(unlimited|\d+)/.exec(line);
    if (m === null) continue;
    const type = LIMIT_LABELS[m[1]!.toLowerCase()];
    if (type !== undefined) out[type] = { soft: limitValue(m[2]!), hard: limitValue(m[3]!) };
  }
  return out;
}

/** The CapBnd mask (hex) from /proc/<pid>/status. */
export function capBndFromStatus(status: string): string {
  const m = /^CapBnd:\s*([0-9a-f]+)\s*$/im.exec(status);
  return m?.[1] ?? '0';
}

/** `runc version 1.1.5+ds1` / `crun version 1.8.1` → `1.1.5+ds1` / `1.8.1`. */
export function parseRuntimeVersion(output: string): string {
  const m = /\bversion\s+(\S+)/i.exec(output);
  return m?.[1] ?? output.split('\n')[0]?.trim() ?? '';
}

/** `6.18.44-fc-v657` → [6, 18]. */
export function parseKernelRelease(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
}
