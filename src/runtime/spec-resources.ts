import { invalidArgument } from '../lib/index.js';
import type { CgroupInfo } from './host.js';
import type { ResourcesInput } from './spec-input.js';
import type { SpecCpu, SpecMemory, SpecResources } from './spec-types.js';

/** Docker refuses memory limits below 6 MB: a container's runtime alone needs about that. */
export const MIN_MEMORY = 6 * 1024 * 1024;
const CFS_PERIOD_DEFAULT = 100_000;
const CFS_MIN = 1_000;
const CFS_PERIOD_MAX = 1_000_000;
const SHARES_MIN = 2;
const SHARES_MAX = 262_144;

export interface ResourceHost {
  cpus: number;
  cgroup: Pick<CgroupInfo, 'layout' | 'swapAccounting'>;
}

function integer(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidArgument(`resources.${field}: must be an integer, got ${String(value)}`);
  return value;
}

function memoryOf(r: ResourcesInput, host: ResourceHost): SpecMemory | undefined {
  const memory = integer('memory', r.memory) ?? 0;
  const reservation = integer('memoryReservation', r.memoryReservation) ?? 0;
  const swap = integer('memorySwap', r.memorySwap) ?? 0;
  const swappiness = integer('memorySwappiness', r.memorySwappiness);

  if (memory < 0) throw invalidArgument(`resources.memory: must not be negative, got ${memory}`);
  if (memory > 0 && memory < MIN_MEMORY) throw invalidArgument(`resources.memory: minimum memory limit allowed is 6MB, got ${memory} bytes`);
  if (reservation < 0) throw invalidArgument(`resources.memoryReservation: must not be negative, got ${reservation}`);
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalidArgument(`resources.memoryReservation: minimum memory reservation allowed is 6MB`);
  if (memory > 0 && reservation > memory) throw invalidArgument('resources.memoryReservation: must not be above resources.memory');
  if (swap < -1) throw invalidArgument(`resources.memorySwap: must be -1 (unlimited), 0 (default) or a limit, got ${swap}`);
  if (swap > 0 && memory === 0) throw invalidArgument('resources.memorySwap: needs resources.memory to be set too');
  if (swap > 0 && swap < memory) throw invalidArgument('resources.memorySwap: must not be below resources.memory (it counts memory plus swap)');
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw invalidArgument(`resources.memorySwappiness: must be between 0 and 100, got ${swappiness}`);
  }

  const out: SpecMemory = {};
  if (memory > 0) out.limit = memory;
  if (reservation > 0) out.reservation = reservation;
  // Without swap accounting the kernel has no memory+swap knob: Docker then drops the swap limit.
  if (host.cgroup.swapAccounting && memory > 0) {
    if (swap === -1) out.swap = -1;
    else out.swap = swap > 0 ? swap : memory * 2;
  }
  // cgroup v2 has no per-cgroup swappiness.
  if (swappiness !== undefined && swappiness !== -1 && host.cgroup.layout !== 'v2') out.swappiness = swappiness;
  return Object.keys(out).length > 0 ? out : undefined;
}

function cpuList(field: string, list: string, max: number | undefined): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) throw invalidArgument(`resources.${field}: not a CPU list such as 0-2,4: ${JSON.stringify(list)}`);
  if (max !== undefined) {
    for (const n of list.split(/[,-]/).map(Number)) {
      if (n >= max) throw invalidArgument(`resources.${field}: ${n} is not available; this host has ${max} (0-${max - 1})`);
    }
  }
  return list;
}

function cpuOf(r: ResourcesInput, host: ResourceHost): SpecCpu | undefined {
  const shares = integer('cpuShares', r.cpuShares) ?? 0;
  let period = integer('cpuPeriod', r.cpuPeriod) ?? 0;
  let quota = integer('cpuQuota', r.cpuQuota) ?? 0;
  const cpus = r.cpus ?? 0;

  if (typeof cpus !== 'number' || !Number.isFinite(cpus) || cpus < 0) throw invalidArgument(`resources.cpus: must be a positive number, got ${String(r.cpus)}`);
  if (cpus > host.cpus) throw invalidArgument(`resources.cpus: ${cpus} is more than this host's ${host.cpus} CPUs`);
  if (cpus > 0 && (period !== 0 || quota !== 0)) throw invalidArgument('resources.cpus: conflicts with resources.cpuPeriod/cpuQuota; set one or the other');
  if (shares < 0) throw invalidArgument(`resources.cpuShares: must not be negative, got ${shares}`);
  if (period !== 0 && (period < CFS_MIN || period > CFS_PERIOD_MAX)) throw invalidArgument(`resources.cpuPeriod: must be between 1000 and 1000000 microseconds, got ${period}`);
  if (quota < -1 || (quota > 0 && quota < CFS_MIN)) throw invalidArgument(`resources.cpuQuota: must be at least 1000 microseconds (or -1), got ${quota}`);

  if (cpus > 0) {
    period = CFS_PERIOD_DEFAULT;
    quota = Math.round(cpus * CFS_PERIOD_DEFAULT);
    if (quota < CFS_MIN) throw invalidArgument(`resources.cpus: must be at least 0.01, got ${cpus}`);
  }

  const out: SpecCpu = {};
  if (shares > 0) out.shares = Math.min(SHARES_MAX, Math.max(SHARES_MIN, shares));
  if (quota > 0) out.quota = quota;
  if (period > 0) out.period = period;
  if (r.cpusetCpus !== undefined && r.cpusetCpus !== '') out.cpus = cpuList('cpusetCpus', r.cpusetCpus, host.cpus);
  if (r.cpusetMems !== undefined && r.cpusetMems !== '') out.mems = cpuList('cpusetMems', r.cpusetMems, undefined);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** linux.resources for the limits asked (devices are the caller's to add). */
export function buildResources(r: ResourcesInput, host: ResourceHost): SpecResources {
  const out: SpecResources = {};
  const memory = memoryOf(r, host);
  if (memory !== undefined) out.memory = memory;
  const cpu = cpuOf(r, host);
  if (cpu !== undefined) out.cpu = cpu;
  const pids = integer('pidsLimit', r.pidsLimit) ?? 0;
  if (pids > 0) out.pids = { limit: pids };
  return out;
}
