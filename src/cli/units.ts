import { invalidArgument } from '../lib/index.js';

/**
 * Conversions of the docker CLI's flag values: sizes (16m, 1g → bytes, binary units as
 * docker's RAMInBytes), Go durations (1m30s → ns), CPUs (1.5 → NanoCpus), restart
 * policies, and the time arguments of `logs --since` and `events --since`.
 */

const binaryUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** `16m`, `1g`, `512k`, `1.5GiB`, `100` (bytes) → bytes. */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(value.trim());
  if (!match) throw invalidArgument(`invalid size: ${JSON.stringify(value)}`);
  return Math.floor(Number(match[1]) * (binaryUnits[(match[2] ?? '').toLowerCase()] ?? 1));
}

/** `--memory-swap`: a size, or -1 for unlimited swap. */
export function parseMemorySwap(value: string): number {
  return value.trim() === '-1' ? -1 : parseMemory(value);
}

const durationUnits: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`1s`, `500ms`, `1m30s`, `1.5h`, `0`) → nanoseconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const match = part.exec(body);
    if (!match) throw invalidArgument(`invalid duration ${JSON.stringify(value)}: use a number with a unit, as 1s, 500ms or 1m30s`);
    total += Number(match[1]) * (durationUnits[match[2] ?? ''] ?? 0);
    at = part.lastIndex;
  }
  if (body === '') throw invalidArgument(`invalid duration ${JSON.stringify(value)}`);
  return sign * Math.round(total);
}

/** `--cpus 1.5` → NanoCpus (1500000000), refusing more precision than a nanoCPU. */
export function parseCpus(value: string): number {
  if (!/^\d*\.?\d+$/.test(value.trim())) throw invalidArgument(`invalid --cpus ${JSON.stringify(value)}: use a number such as 0.5 or 2`);
  const nano = Number(value) * 1e9;
  if (Math.abs(nano - Math.round(nano)) > 1e-3) throw invalidArgument(`invalid --cpus ${JSON.stringify(value)}: value is too precise`);
  return Math.round(nano);
}

/** A whole number flag (`--pids-limit`, `--cpu-shares`, `-t`). */
export function parseInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw invalidArgument(`invalid ${flag} ${JSON.stringify(value)}: an integer is needed`);
  return Number(value);
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount?: number;
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(value: string): RestartPolicy {
  const [name = '', count] = value.split(/:(.*)/s, 2);
  if (name !== 'no' && name !== 'always' && name !== 'unless-stopped' && name !== 'on-failure') {
    throw invalidArgument(`invalid restart policy ${JSON.stringify(value)}: use no, always, unless-stopped or on-failure[:max-retries]`);
  }
  if (count === undefined) return { Name: name };
  if (name !== 'on-failure') throw invalidArgument(`invalid restart policy ${JSON.stringify(value)}: maximum retry count can only be used with 'on-failure'`);
  if (!/^\d+$/.test(count)) throw invalidArgument(`invalid restart policy ${JSON.stringify(value)}: maximum retry count must be a non-negative integer`);
  return { Name: name, MaximumRetryCount: Number(count) };
}

/**
 * The time arguments of `logs --since/--until` and `events --since/--until`, as the
 * docker CLI sends them: a Unix timestamp (`1700000000[.123]`), an RFC 3339 date, or a
 * duration before now (`10m`) → seconds since the epoch, as a string.
 */
export function parseTimestamp(value: string, now = Date.now()): string {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return text;
  if (/^[-+]?(\d|\.\d)/.test(text) && /[a-zµμ]$/i.test(text)) {
    let ns: number | undefined;
    try {
      ns = parseDuration(text);
    } catch {
      ns = undefined;
    }
    if (ns !== undefined) return formatSeconds(now - ns / 1e6);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalidArgument(`invalid time ${JSON.stringify(value)}: use a Unix timestamp, an RFC 3339 date or a duration such as 10m`);
  return formatSeconds(ms);
}

function formatSeconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6);
  return `${whole}.${String(nanos).padStart(9, '0')}`;
}
