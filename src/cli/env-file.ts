import fs from 'node:fs';
import { invalidArgument } from '../lib/index.js';

type Lookup = (key: string) => string | undefined;

const fromProcess: Lookup = (key) => process.env[key];

/**
 * Parses an env file as the docker CLI does: one `KEY[=VALUE]` a line, leading
 * whitespace dropped, `#` comments and blank lines skipped, matching quotes around a value
 * removed; a bare `KEY` takes its value from our environment, or is left out if unset.
 */
export function parseEnvFile(text: string, file = 'env file', lookup: Lookup = fromProcess): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (key === '') throw invalidArgument(`invalid env file (${file}): no variable name on line ${JSON.stringify(line)}`);
    if (/[ \t]/.test(key)) throw invalidArgument(`invalid env file (${file}): variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      out.push(`${key}=${trimQuotes(line.slice(eq + 1))}`);
      continue;
    }
    const value = lookup(key);
    if (value !== undefined) out.push(`${key}=${trimQuotes(value)}`);
  }
  return out;
}

export function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw invalidArgument(`cannot read env file ${file}: ${(err as Error).message}`);
  }
  return parseEnvFile(text, file);
}

/** `-e KEY=VALUE` as given; `-e KEY` takes our value of KEY when set (docker's ValidateEnv). */
export function resolveEnv(value: string, lookup: Lookup = fromProcess): string {
  const eq = value.indexOf('=');
  if (eq === 0 || value === '') throw invalidArgument(`invalid environment variable: ${value}`);
  if (eq > 0) return value;
  const found = lookup(value);
  return found === undefined ? value : `${value}=${found}`;
}

function trimQuotes(value: string): string {
  if (value.length < 2) return value;
  const first = value[0];
  return (first === '"' || first === "'") && value.endsWith(first) ? value.slice(1, -1) : value;
}
