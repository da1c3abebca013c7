import { invalidArgument } from '../../lib/index.js';

/** Go's zero time, which Docker prints for times that never happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go's RFC3339Nano: fractional seconds without trailing zeros (what Docker's JSON uses). */
export function goTime(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return ZERO_TIME;
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Docker's fixed-width RFC3339 with nine fractional digits, as `docker logs -t` prints. */
export function fixedNanoTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * A moment as the API receives it (`since`, `until`): Unix seconds with an optional
 * fraction ("1700000000.5", as the docker CLI sends), or an RFC 3339 time.
 */
export function parseApiTime(value: string, field: string): Date {
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalidArgument(`invalid value for ${field}: ${value}`);
  return new Date(parsed);
}

/** go-units' HumanDuration: "Less than a second", "3 seconds", "About a minute", "2 hours"… */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.round(ms / 3_600_000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}
