import { failedPrecondition, invalidArgument } from '../lib/index.js';
import { RLIM_INFINITY, RLIMIT_TYPES, type RlimitType, type RlimitValue } from './host-parse.js';
import type { RlimitInput } from './spec-input.js';
import type { SpecRlimit } from './spec-types.js';

/** `nofile`, `NOFILE`, `RLIMIT_NOFILE` → `RLIMIT_NOFILE`. */
export function normalizeRlimitType(name: string): RlimitType {
  const upper = String(name).trim().toUpperCase();
  const full = upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`;
  const known = RLIMIT_TYPES.find((t) => t === full);
  if (known === undefined) throw invalidArgument(`rlimits: unknown rlimit ${JSON.stringify(name)}`);
  return known;
}

function value(field: string, n: number): bigint {
  if (n === -1) return RLIM_INFINITY;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${field}: must be a non-negative integer or -1 (unlimited), got ${String(n)}`);
  return BigInt(n);
}

/**
 * process.rlimits. Nothing is set unless asked (Docker sets none by default). The
 * daemon cannot raise a hard limit above its own (that needs CAP_SYS_RESOURCE, which
 * it may not have), so such a request is refused here rather than failing in the runtime.
 */
export function buildRlimits(input: readonly RlimitInput[], hostLimits: Partial<Record<RlimitType, RlimitValue>>): SpecRlimit[] {
  const seen = new Set<RlimitType>();
  return input.map((r, i) => {
    const type = normalizeRlimitType(r.type);
    const field = `rlimits[${i}] (${type})`;
    if (seen.has(type)) throw invalidArgument(`${field}: given twice`);
    seen.add(type);
    const soft = value(`${field}.soft`, r.soft);
    const hard = value(`${field}.hard`, r.hard);
    if (soft > hard) throw invalidArgument(`${field}: soft limit ${r.soft} is above the hard limit ${r.hard}`);
    const host = hostLimits[type];
    if (host !== undefined && hard > host.hard) {
      const limit = host.hard === RLIM_INFINITY ? 'unlimited' : host.hard.toString();
      throw failedPrecondition(`${field}: hard limit ${hard === RLIM_INFINITY ? 'unlimited' : r.hard} is above the daemon's own (${limit})`);
    }
    return { type, hard, soft };
  });
}
