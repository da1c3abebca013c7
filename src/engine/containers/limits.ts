import { invalidArgument } from '../../lib/index.js';
import { MIN_MEMORY, type ResourcesInput } from '../../runtime/index.js';
import type { ResourceLimits } from './types.js';

const CFS_MIN = 1000;
const CFS_PERIOD_MAX = 1_000_000;

/**
 * Refuses limits the way Docker's daemon does, with its messages (so that a client
 * sees the same 400 for `docker run -m 4m`), before the runtime spec sees them.
 */
export function checkLimits(r: ResourceLimits, cpus: number): void {
  const memory = r.memory ?? 0;
  const swap = r.memorySwap ?? 0;
  const nano = r.nanoCpus ?? 0;
  const quota = r.cpuQuota ?? 0;
  const period = r.cpuPeriod ?? 0;
  for (const [field, value] of Object.entries(r)) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value))) {
      throw invalidArgument(`invalid value for ${field}: ${String(value)}`);
    }
  }
  if (memory !== 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (swap > 0 && memory === 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap > 0 && swap < memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (swap < -1) throw invalidArgument(`invalid memory swap limit ${swap}: use -1 for unlimited`);
  if (nano !== 0 && period !== 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano !== 0 && quota !== 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > cpus * 1e9 || (nano > 0 && nano < 1e7)) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  }
  if ((r.cpuShares ?? 0) < 0) throw invalidArgument(`invalid CPU shares (${r.cpuShares ?? 0}): value must be a positive integer`);
  if (period !== 0 && (period < CFS_MIN || period > CFS_PERIOD_MAX)) {
    throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (quota !== 0 && quota !== -1 && quota < CFS_MIN) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
}

/** Docker's units to the runtime spec builder's. */
export function resourcesInput(r: ResourceLimits): ResourcesInput {
  const out: ResourcesInput = {};
  if (r.memory !== undefined && r.memory > 0) out.memory = r.memory;
  if (r.memorySwap !== undefined && r.memorySwap !== 0) out.memorySwap = r.memorySwap;
  if (r.nanoCpus !== undefined && r.nanoCpus > 0) out.cpus = r.nanoCpus / 1e9;
  if (r.cpuShares !== undefined && r.cpuShares > 0) out.cpuShares = r.cpuShares;
  if (r.cpuQuota !== undefined && r.cpuQuota > 0) out.cpuQuota = r.cpuQuota;
  if (r.cpuPeriod !== undefined && r.cpuPeriod > 0) out.cpuPeriod = r.cpuPeriod;
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) out.pidsLimit = r.pidsLimit;
  return out;
}
