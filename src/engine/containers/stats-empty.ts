import type { StatsSample } from './types.js';

/** Docker's answer for a container without a process: nothing measured, at the zero time. */
export function emptyStats(): StatsSample {
  return {
    read: new Date('0001-01-01T00:00:00Z'),
    cpuTotalNs: 0,
    systemCpuNs: 0,
    onlineCpus: 0,
    memoryUsage: 0,
    memoryLimit: 0,
    memoryCache: 0,
    pids: 0,
    pidsLimit: 0,
  };
}
