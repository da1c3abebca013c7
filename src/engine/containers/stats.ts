import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import path from 'node:path';
import { isErrno } from '../../lib/index.js';
import type { CgroupPaths, ContainerHandle } from './handle.js';
import type { StatsSample } from './types.js';
import { parseFlatKeyed, parseProcStat, parseValue } from './stats-parse.js';

/** A stats sample with the raw memory.stat, which Docker's API passes on as memory_stats.stats. */
export interface ContainerStats extends StatsSample {
  memoryStat: Record<string, number>;
  cgroupVersion: 1 | 2;
}

/** v1 reports "no limit" as the largest page-aligned int64; anything this large is no limit. */
const NO_LIMIT_FLOOR = 2 ** 62;

/**
 * One sample of a container's resource use from its cgroup files and /proc/stat.
 *
 * - cpuTotalNs: v1 cpuacct.usage, v2 cpu.stat usage_usec.
 * - memoryUsage: v1 memory.usage_in_bytes, v2 memory.current (both include page cache).
 * - memoryLimit: the cgroup's limit, or the host's memory when there is none (Docker does
 *   the same, so that `docker stats` shows a finite LIMIT and percentage).
 * - memoryCache: what the docker CLI subtracts from usage: v1 `total_inactive_file`,
 *   v2 `inactive_file` (falling back to `cache` / `file`).
 * - pids / pidsLimit: pids.current and pids.max (0 when unlimited).
 * A controller the container lacks reads as 0.
 */
export async function readStats(handle: Pick<ContainerHandle, 'cgroupPaths'>): Promise<ContainerStats> {
  const [cgroup, procStat] = await Promise.all([readCgroup(handle.cgroupPaths), readText('/proc/stat')]);
  const { systemCpuNs, onlineCpus } = parseProcStat(procStat ?? '');
  const host = totalmem();
  const limit = cgroup.memoryLimit === undefined || cgroup.memoryLimit >= NO_LIMIT_FLOOR ? host : Math.min(cgroup.memoryLimit, host);
  return {
    read: new Date(),
    cpuTotalNs: cgroup.cpuTotalNs,
    systemCpuNs,
    onlineCpus,
    memoryUsage: cgroup.memoryUsage,
    memoryLimit: limit,
    memoryCache: cgroup.memoryCache,
    pids: cgroup.pids,
    pidsLimit: cgroup.pidsLimit ?? 0,
    memoryStat: cgroup.memoryStat,
    cgroupVersion: handle.cgroupPaths.version,
  };
}

interface CgroupNumbers {
  cpuTotalNs: number;
  memoryUsage: number;
  memoryLimit: number | undefined;
  memoryCache: number;
  memoryStat: Record<string, number>;
  pids: number;
  pidsLimit: number | undefined;
}

async function readCgroup(paths: CgroupPaths): Promise<CgroupNumbers> {
  if (paths.version === 2) {
    const file = (name: string): Promise<string | undefined> => readText(path.join(paths.dir, name));
    const [cpuStat, current, max, memStat, pidsCurrent, pidsMax] = await Promise.all(
      ['cpu.stat', 'memory.current', 'memory.max', 'memory.stat', 'pids.current', 'pids.max'].map(file),
    );
    const memoryStat = parseFlatKeyed(memStat ?? '');
    return {
      cpuTotalNs: (parseFlatKeyed(cpuStat ?? '').usage_usec ?? 0) * 1000,
      memoryUsage: parseValue(current) ?? 0,
      memoryLimit: parseValue(max),
      memoryCache: memoryStat.inactive_file ?? memoryStat.file ?? 0,
      memoryStat,
      pids: parseValue(pidsCurrent) ?? 0,
      pidsLimit: parseValue(pidsMax),
    };
  }
  const file = (controller: string, name: string): Promise<string | undefined> => {
    const dir = paths.controllers[controller];
    return dir === undefined ? Promise.resolve(undefined) : readText(path.join(dir, name));
  };
  const [usage, memUsage, memLimit, memStat, pidsCurrent, pidsMax] = await Promise.all([
    file('cpuacct', 'cpuacct.usage'),
    file('memory', 'memory.usage_in_bytes'),
    file('memory', 'memory.limit_in_bytes'),
    file('memory', 'memory.stat'),
    file('pids', 'pids.current'),
    file('pids', 'pids.max'),
  ]);
  const memoryStat = parseFlatKeyed(memStat ?? '');
  return {
    cpuTotalNs: parseValue(usage) ?? 0,
    memoryUsage: parseValue(memUsage) ?? 0,
    memoryLimit: parseValue(memLimit),
    memoryCache: memoryStat.total_inactive_file ?? memoryStat.cache ?? 0,
    memoryStat,
    pids: parseValue(pidsCurrent) ?? 0,
    pidsLimit: parseValue(pidsMax),
  };
}

/** A file's text, or undefined when it (or its cgroup) is gone. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENODEV') || isErrno(err, 'ESRCH')) return undefined;
    throw err;
  }
}
