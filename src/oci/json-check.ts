import { invalidArgument } from '../lib/index.js';
import { parseDigest, type Digest } from './digest.js';
import { isValidMediaType } from './mediatypes.js';

/**
 * Path-aware checks for decoded JSON, so that a refusal names the field at fault
 * (`manifest.layers[2].digest: …`). Internal to oci: not re-exported.
 *
 * `null` counts as absent for optional fields, because Go encoders (Docker) write
 * `"Entrypoint": null` for unset slices and maps.
 */
export type JsonObject = { readonly [key: string]: unknown };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeJson(input: Uint8Array | string, what: string): unknown {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw invalidArgument(`${what}: not valid UTF-8`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(`${what}: invalid JSON: ${(err as Error).message}`);
  }
}

export function fail(path: string, message: string): never {
  throw invalidArgument(`${path}: ${message}`);
}

export function child(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

export function asObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, `expected an object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

export function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `expected a string, got ${describe(value)}`);
  return value;
}

export function asArray(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  return value;
}

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function requiredField(obj: JsonObject, key: string, path: string): unknown {
  const value = obj[key];
  if (absent(value)) fail(child(path, key), 'required');
  return value;
}

export function requiredString(obj: JsonObject, key: string, path: string): string {
  return asString(requiredField(obj, key, path), child(path, key));
}

export function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = obj[key];
  return absent(value) ? undefined : asString(value, child(path, key));
}

export function optionalBoolean(obj: JsonObject, key: string, path: string): boolean | undefined {
  const value = obj[key];
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') fail(child(path, key), `expected a boolean, got ${describe(value)}`);
  return value;
}

export function asNonNegativeInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(path, `expected a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

export function optionalInteger(obj: JsonObject, key: string, path: string): number | undefined {
  const value = obj[key];
  if (absent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(child(path, key), `expected an integer, got ${describe(value)}`);
  }
  return value;
}

export function optionalNonNegativeInteger(obj: JsonObject, key: string, path: string): number | undefined {
  const value = obj[key];
  return absent(value) ? undefined : asNonNegativeInteger(value, child(path, key));
}

export function optionalStringArray(obj: JsonObject, key: string, path: string): string[] | undefined {
  const value = obj[key];
  if (absent(value)) return undefined;
  const at = child(path, key);
  return asArray(value, at).map((item, i) => asString(item, `${at}[${i}]`));
}

export function optionalStringMap(obj: JsonObject, key: string, path: string): Record<string, string> | undefined {
  const value = obj[key];
  if (absent(value)) return undefined;
  const at = child(path, key);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObject(value, at))) out[k] = asString(v, child(at, k));
  return out;
}

/** Maps whose values are empty objects by convention (ExposedPorts, Volumes). */
export function optionalSetMap(
  obj: JsonObject,
  key: string,
  path: string,
  checkKey?: (k: string) => string | undefined,
): Record<string, Record<string, never>> | undefined {
  const value = obj[key];
  if (absent(value)) return undefined;
  const at = child(path, key);
  const out: Record<string, Record<string, never>> = {};
  for (const [k, v] of Object.entries(asObject(value, at))) {
    const problem = checkKey?.(k);
    if (problem) fail(child(at, k), problem);
    if (!absent(v)) asObject(v, child(at, k));
    out[k] = {};
  }
  return out;
}

export function asDigest(value: unknown, path: string): Digest {
  const text = asString(value, path);
  try {
    return parseDigest(text).digest;
  } catch {
    return fail(path, `invalid digest ${JSON.stringify(text)}`);
  }
}

export function asMediaType(value: unknown, path: string): string {
  const text = asString(value, path);
  if (!isValidMediaType(text)) fail(path, `invalid media type ${JSON.stringify(text)}`);
  return text;
}

export function optionalMediaType(obj: JsonObject, key: string, path: string): string | undefined {
  const value = obj[key];
  return absent(value) ? undefined : asMediaType(value, child(path, key));
}

/** Drops keys whose value is undefined, so parsed objects compare and print cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Manifests and indexes both carry `schemaVersion: 2`; anything else is refused. */
export function checkSchemaVersion(obj: JsonObject, path: string): 2 {
  const version = requiredField(obj, 'schemaVersion', path);
  if (version !== 2) fail(child(path, 'schemaVersion'), `expected 2, got ${JSON.stringify(version)}`);
  return 2;
}
