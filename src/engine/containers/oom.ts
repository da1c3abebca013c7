import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CgroupInfo } from '../../runtime/index.js';

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

const counter = (text: string | undefined, key: string): number => {
  const m = new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(text ?? '');
  return m?.[1] === undefined ? 0 : Number(m[1]);
};

/** The memory cgroup directory of a container's cgroupsPath (cgroupfs layout). */
export function memoryCgroupDir(cgroup: CgroupInfo, cgroupsPath: string): string | undefined {
  if (cgroup.layout === 'v2') return path.join(cgroup.unifiedMountpoint ?? '/sys/fs/cgroup', cgroupsPath);
  const memory = cgroup.v1.find((h) => h.controllers.includes('memory'));
  return memory === undefined ? undefined : path.join(memory.mountpoint, cgroupsPath);
}

/**
 * Whether the kernel's OOM killer struck in the container's cgroup: `oom_kill` in
 * memory.oom_control (cgroup v1, kernels ≥ 4.13) or memory.events (v2). Read it before
 * the runtime deletes the cgroup.
 */
export async function wasOomKilled(cgroup: CgroupInfo, cgroupsPath: string): Promise<boolean> {
  const dir = memoryCgroupDir(cgroup, cgroupsPath);
  if (dir === undefined) return false;
  if (cgroup.layout === 'v2') return counter(await readText(path.join(dir, 'memory.events')), 'oom_kill') > 0;
  return counter(await readText(path.join(dir, 'memory.oom_control')), 'oom_kill') > 0;
}
