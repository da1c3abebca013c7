/**
 * Pure parsers for the files stats are read from: cgroup flat-keyed files (memory.stat,
 * cpu.stat), single values with v2's `max`, and /proc/stat.
 */

/** `key value` lines (memory.stat, cpu.stat) as numbers; malformed lines are skipped. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key === undefined || key === '' || value === undefined || extra !== undefined || !/^\d+$/.test(value)) continue;
    out[key] = Number(value);
  }
  return out;
}

/** A single-number file; `max` (v2's "no limit") and anything unreadable give undefined. */
export function parseValue(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The host's cumulative CPU time in nanoseconds and its number of online CPUs, as Docker
 * computes them: the first seven fields of the `cpu` line (user, nice, system, idle,
 * iowait, irq, softirq) and the count of `cpuN` lines.
 */
export function parseProcStat(text: string): { systemCpuNs: number; onlineCpus: number } {
  let systemCpuNs = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === 'cpu') {
      let ticks = 0;
      for (const field of parts.slice(1, 8)) ticks += Number(field) || 0;
      systemCpuNs = (ticks * 1e9) / CLOCK_TICKS_PER_SECOND;
    } else if (/^cpu\d+$/.test(parts[0] ?? '')) {
      onlineCpus++;
    }
  }
  return { systemCpuNs, onlineCpus };
}
