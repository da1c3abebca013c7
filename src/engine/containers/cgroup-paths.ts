import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, notFound } from '../../lib/index.js';
import type { CgroupPaths } from './handle.js';

interface CgroupMount {
  /** The mount's root within its hierarchy (mountinfo field 4): '/' unless bind-mounted or namespaced. */
  root: string;
  mountpoint: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

const MOUNT_FLAGS = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'xattr', 'clone_children', 'noprefix', 'cpuset_v2_mode', 'nsdelegate', 'memory_recursiveprot']);

/** controller (or `name=…`) → its v1 mount, and the cgroup2 mount, from /proc/self/mountinfo. */
function cgroupMounts(mountinfo: string): { v1: Map<string, CgroupMount>; unified?: CgroupMount } {
  const v1 = new Map<string, CgroupMount>();
  let unified: CgroupMount | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const root = fields[3];
    const mountpoint = fields[4];
    if (root === undefined || mountpoint === undefined) continue;
    const mount = { root: unescape(root), mountpoint: unescape(mountpoint) };
    if (fstype === 'cgroup2') {
      // The first one wins: /sys/fs/cgroup (v2) or /sys/fs/cgroup/unified (hybrid).
      unified ??= mount;
    } else if (fstype === 'cgroup') {
      for (const option of superOptions.split(',')) {
        if (MOUNT_FLAGS.has(option) || (option.includes('=') && !option.startsWith('name='))) continue;
        if (!v1.has(option)) v1.set(option, mount);
      }
    }
  }
  return unified === undefined ? { v1 } : { v1, unified };
}

/** The directory of cgroup `cgroupPath` under `mount`, or undefined when the mount does not show it. */
function dirIn(mount: CgroupMount, cgroupPath: string): string | undefined {
  if (mount.root === '/') return path.join(mount.mountpoint, cgroupPath);
  if (cgroupPath === mount.root) return mount.mountpoint;
  if (cgroupPath.startsWith(`${mount.root}/`)) return path.join(mount.mountpoint, cgroupPath.slice(mount.root.length));
  return undefined;
}

/**
 * A process's cgroup directories from its /proc/<pid>/cgroup and our /proc/self/mountinfo.
 * When any v1 controller line maps to a mounted hierarchy the answer is v1 (this includes
 * hybrid hosts, where every controller is still v1); otherwise the `0::` line's unified
 * directory.
 */
export function parseCgroupPaths(procCgroup: string, mountinfo: string): CgroupPaths {
  const mounts = cgroupMounts(mountinfo);
  const controllers: Record<string, string> = {};
  let unifiedPath: string | undefined;
  for (const line of procCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const names = line.slice(first + 1, second);
    const cgroupPath = line.slice(second + 1);
    if (names === '') {
      unifiedPath = cgroupPath;
      continue;
    }
    for (const name of names.split(',')) {
      const mount = mounts.v1.get(name);
      const dir = mount === undefined ? undefined : dirIn(mount, cgroupPath);
      if (dir !== undefined) controllers[name] = dir;
    }
  }
  if (Object.keys(controllers).length > 0) return { version: 1, controllers };
  const dir = mounts.unified === undefined || unifiedPath === undefined ? undefined : dirIn(mounts.unified, unifiedPath);
  if (dir === undefined) throw notFound('no mounted cgroup hierarchy shows the process');
  return { version: 2, dir };
}

/** The cgroup directories of host process `pid` (a container's init). */
export async function cgroupPathsOf(pid: number): Promise<CgroupPaths> {
  let procCgroup: string;
  try {
    procCgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ESRCH')) throw notFound(`process ${pid} does not exist`, err);
    throw err;
  }
  return parseCgroupPaths(procCgroup, await readFile('/proc/self/mountinfo', 'utf8'));
}

/** The directory whose cgroup.procs lists every process of the cgroup (any v1 hierarchy will do). */
export function procsDir(paths: CgroupPaths): string {
  if (paths.version === 2) return paths.dir;
  const dir = paths.controllers.pids ?? paths.controllers.memory ?? paths.controllers.cpuacct ?? Object.values(paths.controllers)[0];
  if (dir === undefined) throw notFound('the container has no cgroup directory');
  return dir;
}
