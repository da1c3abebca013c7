import { invalidArgument } from '../../lib/index.js';

/**
 * `HostConfig.LogConfig` → what the engine supports: a size past which the container's
 * log starts afresh. berth always keeps a container's log as one k8s-file written by
 * conmon, so only the file-based drivers (json-file, k8s-file, local) are accepted, and
 * of their options only `max-size` has an effect; the others are accepted with a warning.
 */
export interface LogSettings {
  logMaxSize?: number;
  warnings: string[];
}

const FILE_DRIVERS = new Set(['json-file', 'k8s-file', 'local']);

/** Options the file drivers know; all but max-size are accepted without effect. */
const KNOWN_OPTIONS = new Set(['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size']);

/** Decimal units, as Docker's json-file reads max-size (`10k` is 10,000 bytes). */
const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** `10k`, `1.5m`, `20MB`, `100` → bytes; anything else is refused. */
export function parseLogSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(value.trim());
  if (!match) throw invalidArgument(`invalid max-size log option ${JSON.stringify(value)}: use a size such as 10k, 20m or 1g`);
  const bytes = Math.floor(Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1));
  if (bytes <= 0) throw invalidArgument('invalid max-size log option: max-size must be a positive number');
  return bytes;
}

export function parseLogConfig(type: string | undefined, config: Record<string, string> | undefined): LogSettings {
  const driver = type ?? 'json-file';
  if (!FILE_DRIVERS.has(driver)) {
    throw invalidArgument(
      `log driver ${JSON.stringify(driver)} is not supported: berth keeps every container's log as a file (k8s-file, written by conmon); use json-file, k8s-file or local`,
    );
  }
  const settings: LogSettings = { warnings: [] };
  for (const [key, value] of Object.entries(config ?? {})) {
    if (!KNOWN_OPTIONS.has(key)) throw invalidArgument(`unknown log opt '${key}' for ${driver} log driver`);
    if (key === 'max-size') settings.logMaxSize = parseLogSize(value);
    else if (key === 'max-file') {
      if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw invalidArgument(`invalid max-file log option ${JSON.stringify(value)}: it must be a positive integer`);
      if (Number(value) > 1) settings.warnings.push(`log opt max-file=${value} has no effect: berth keeps one log file per container and starts it afresh past max-size`);
    } else settings.warnings.push(`log opt ${key} has no effect on berth's k8s-file logs`);
  }
  // Docker's local driver rotates at 20 MB unless told otherwise.
  if (driver === 'local' && settings.logMaxSize === undefined) settings.logMaxSize = 20e6;
  return settings;
}
