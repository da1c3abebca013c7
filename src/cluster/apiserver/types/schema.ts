/**
 * Compact schema descriptions of the built-in kinds. One description per kind serves three
 * readers: strict field validation (unknown fields), patch metadata (strategic merge keys,
 * list types for server-side apply) and the component schemas of the OpenAPI v3 documents.
 */
import type { FieldPatchInfo, PatchMeta } from '../patch/index.js';
import { canonicalQuantity } from './quantity.js';

export interface ListOptions {
  /** Strategic merge patch key (`patchMergeKey`) — implies strategy merge and list-type map. */
  mergeKey?: string;
  /** 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys' */
  strategy?: string;
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
}

export type Schema =
  | { type: 'object'; name?: string; description?: string; fields: Record<string, Schema>; required?: string[]; strategy?: string; structType?: 'atomic' | 'granular' }
  | { type: 'map'; description?: string; values: Schema; mapType?: 'atomic' | 'granular' }
  | ({ type: 'array'; description?: string; items: Schema } & ListOptions)
  | { type: 'string'; description?: string; format?: string; enum?: string[] }
  | { type: 'integer'; description?: string; format: 'int32' | 'int64' }
  | { type: 'number'; description?: string; format?: string }
  | { type: 'boolean'; description?: string }
  | { type: 'int-or-string'; description?: string }
  | { type: 'quantity'; description?: string }
  /** Any JSON: nested unknown fields are kept and not checked. */
  | { type: 'any'; description?: string };

export type ObjectSchema = Extract<Schema, { type: 'object' }>;

export const str = (format?: string): Schema => (format ? { type: 'string', format } : { type: 'string' });
export const int32 = (): Schema => ({ type: 'integer', format: 'int32' });
export const int64 = (): Schema => ({ type: 'integer', format: 'int64' });
export const bool = (): Schema => ({ type: 'boolean' });
export const time = (): Schema => ({ type: 'string', format: 'date-time' });
export const bytes = (): Schema => ({ type: 'string', format: 'byte' });
export const intOrString = (): Schema => ({ type: 'int-or-string' });
export const quantity = (): Schema => ({ type: 'quantity' });
export const anyValue = (): Schema => ({ type: 'any' });
export const strMap = (): Schema => ({ type: 'map', values: { type: 'string' } });
export const mapOf = (values: Schema): Schema => ({ type: 'map', values });

/** An object; `name` makes it a named component schema in OpenAPI (io.k8s.api.core.v1.PodSpec). */
export function obj(
  fields: Record<string, Schema>,
  opts: { name?: string; required?: string[]; description?: string; structType?: 'atomic' | 'granular'; strategy?: string } = {},
): ObjectSchema {
  return { type: 'object', fields, ...opts };
}

/** A list; without options it is atomic (replaced whole), as Kubernetes lists without tags are. */
export function list(items: Schema, opts: ListOptions = {}): Schema {
  return { type: 'array', items, ...opts };
}

/** A list merged by `key` in strategic merge patch and a list-type map keyed by `keys` (defaults to [key]) for apply. */
export function keyedList(items: Schema, key: string, keys: string[] = [key]): Schema {
  return { type: 'array', items, mergeKey: key, strategy: 'merge', listType: 'map', mapKeys: keys };
}

/** A list of scalars merged as a set. */
export function setList(items: Schema, strategy?: string): Schema {
  return strategy ? { type: 'array', items, listType: 'set', strategy } : { type: 'array', items, listType: 'set' };
}

/** Paths of fields the schema does not know, as Kubernetes reports them ('.spec.foo', '.spec.containers[0].bar'). */
export function unknownFieldPaths(schema: Schema, value: unknown, path = ''): string[] {
  const out: string[] = [];
  walkUnknown(schema, value, path, out);
  return out;
}

function walkUnknown(schema: Schema, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const fieldSchema = schema.fields[key];
        if (!fieldSchema) out.push(`${path}.${key}`);
        else walkUnknown(fieldSchema, child, `${path}.${key}`, out);
      }
      return;
    }
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return;
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) walkUnknown(schema.values, child, `${path}.${key}`, out);
      return;
    case 'array':
      if (!Array.isArray(value)) return;
      value.forEach((item, i) => walkUnknown(schema.items, item, `${path}[${i}]`, out));
      return;
    default:
      return;
  }
}

/** Paths of values whose JSON type does not fit the schema (Kubernetes' decoder refuses those). */
export function typeErrors(schema: Schema, value: unknown, path = ''): { path: string; expected: string; value: unknown }[] {
  const out: { path: string; expected: string; value: unknown }[] = [];
  walkTypes(schema, value, path, out);
  return out;
}

function walkTypes(schema: Schema, value: unknown, path: string, out: { path: string; expected: string; value: unknown }[]): void {
  if (value === null || value === undefined) return;
  const isObject = typeof value === 'object' && !Array.isArray(value);
  switch (schema.type) {
    case 'object':
      if (!isObject) return void out.push({ path, expected: 'object', value });
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const fieldSchema = schema.fields[key];
        if (fieldSchema) walkTypes(fieldSchema, child, `${path}.${key}`, out);
      }
      return;
    case 'map':
      if (!isObject) return void out.push({ path, expected: 'object', value });
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) walkTypes(schema.values, child, `${path}.${key}`, out);
      return;
    case 'array':
      if (!Array.isArray(value)) return void out.push({ path, expected: 'array', value });
      value.forEach((item, i) => {
        // A null element would decode to an empty struct in Go; here it is refused rather than guessed at.
        if (item === null && schema.items.type !== 'any') out.push({ path: `${path}[${i}]`, expected: typeName(schema.items), value: item });
        else walkTypes(schema.items, item, `${path}[${i}]`, out);
      });
      return;
    case 'string':
      if (typeof value !== 'string') out.push({ path, expected: 'string', value });
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) out.push({ path, expected: 'integer', value });
      else if (schema.format === 'int32' && (value < -2147483648 || value > 2147483647)) out.push({ path, expected: 'int32', value });
      else if (!Number.isSafeInteger(value)) out.push({ path, expected: 'int64', value });
      return;
    case 'number':
      if (typeof value !== 'number') out.push({ path, expected: 'number', value });
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push({ path, expected: 'boolean', value });
      return;
    case 'int-or-string':
    case 'quantity':
      if (typeof value !== 'string' && !(typeof value === 'number' && (schema.type === 'quantity' || Number.isInteger(value)))) {
        out.push({ path, expected: schema.type === 'quantity' ? 'quantity' : 'int-or-string', value });
      }
      return;
    case 'any':
      return;
  }
}

function typeName(schema: Schema): string {
  return schema.type === 'map' ? 'object' : schema.type;
}

/** The schema node reached by a path of field names (list elements are not path elements; map keys are). */
function schemaAt(schema: Schema, path: readonly string[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const step of path) {
    while (node && node.type === 'array') node = node.items;
    if (!node) return undefined;
    if (node.type === 'object') node = node.fields[step];
    else if (node.type === 'map') node = node.values;
    else return undefined;
  }
  return node;
}

function patchInfoOf(node: Schema | undefined): FieldPatchInfo | undefined {
  if (!node) return undefined;
  if (node.type === 'array') {
    const info: FieldPatchInfo = { listType: node.listType ?? (node.mergeKey ? 'map' : 'atomic') };
    if (node.strategy) info.patchStrategy = node.strategy;
    if (node.mergeKey) info.patchMergeKey = node.mergeKey;
    const keys = node.mapKeys ?? (node.mergeKey ? [node.mergeKey] : undefined);
    if (keys && info.listType === 'map') info.listMapKeys = keys;
    return info;
  }
  if (node.type === 'map') return { mapType: node.mapType ?? 'granular' };
  if (node.type === 'object') {
    const info: FieldPatchInfo = { structType: node.structType ?? 'granular' };
    if (node.strategy) info.patchStrategy = node.strategy;
    return info;
  }
  return undefined;
}

export function patchMetaOf(schema: Schema): PatchMeta {
  return { lookup: (path) => patchInfoOf(schemaAt(schema, path)) };
}

/** Rewrites every valid quantity under `value` into its canonical form (invalid ones are left for validation to report). */
export function canonicalizeQuantities(schema: Schema, value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  const rewrite = (node: Schema, holder: Record<string, unknown> | unknown[], key: string | number): void => {
    const child = (holder as Record<string | number, unknown>)[key];
    if (node.type === 'quantity') {
      const canonical = canonicalQuantity(child);
      if (canonical !== undefined) (holder as Record<string | number, unknown>)[key] = canonical;
    } else canonicalizeQuantities(node, child);
  };
  if (schema.type === 'object' && !Array.isArray(value)) {
    for (const [k, node] of Object.entries(schema.fields)) if (k in value) rewrite(node, value as Record<string, unknown>, k);
  } else if (schema.type === 'map' && !Array.isArray(value)) {
    for (const k of Object.keys(value)) rewrite(schema.values, value as Record<string, unknown>, k);
  } else if (schema.type === 'array' && Array.isArray(value)) {
    value.forEach((_, i) => rewrite(schema.items, value, i));
  }
}
