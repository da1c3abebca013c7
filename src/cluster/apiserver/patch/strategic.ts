/**
 * Kubernetes' strategic merge patch: JSON merge patch where lists marked `patchStrategy:
 * merge` merge element-wise (by `patchMergeKey`, or as a set of primitives), plus the
 * directives kubectl's three-way patches carry: `$patch` (replace/merge/delete) in maps and
 * list elements, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
 * `$setElementOrder/<field>`.
 */
import { invalidArgument } from '../../../lib/errors.js';
import { clone, deepEqual, isObject, type JsonObject, type PatchMeta } from './meta.js';

const patchDirective = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';
const setElementOrderPrefix = '$setElementOrder/';

/** Applies a strategic merge patch to a copy of `doc`; throws invalid argument for a patch
 *  that is not an object or carries a malformed directive, leaving `doc` untouched. */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isObject(patch)) {
    throw invalidArgument(`strategic merge patch must be a JSON object, not ${describe(patch)}`);
  }
  if (!isObject(doc)) {
    throw invalidArgument(`cannot apply a strategic merge patch to ${describe(doc)}`);
  }
  return mergeMap(clone(doc), patch, [], meta);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function where(path: readonly string[]): string {
  return path.length === 0 ? 'the object' : `.${path.join('.')}`;
}

function strategies(meta: PatchMeta, path: readonly string[]): string[] {
  return (meta.lookup(path)?.patchStrategy ?? '').split(',').map((s) => s.trim());
}

/** Merges `patch` into `original` (which it may modify) and returns the result. */
function mergeMap(original: JsonObject, patch: JsonObject, path: readonly string[], meta: PatchMeta): JsonObject {
  const directive = patch[patchDirective];
  if (directive !== undefined) {
    if (directive === 'replace') return mergeMap({}, withoutKey(patch, patchDirective), path, meta);
    // Kubernetes leaves an empty map where a map was deleted.
    if (directive === 'delete') return {};
    if (directive !== 'merge') {
      throw invalidArgument(`unknown patch type: ${String(directive)} in map at ${where(path)}`);
    }
  }

  const retain = patch[retainKeysDirective];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
      throw invalidArgument(`${retainKeysDirective} at ${where(path)} must be a list of field names`);
    }
    for (const key of Object.keys(original)) {
      if (!retain.includes(key)) delete original[key];
    }
  }

  const orders = new Map<string, unknown[]>();
  const fields: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === patchDirective || key === retainKeysDirective) continue;
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = key.slice(deleteFromPrimitiveListPrefix.length);
      if (!Array.isArray(value)) {
        throw invalidArgument(`${key} at ${where(path)} must be a list, not ${describe(value)}`);
      }
      const current = original[field];
      if (Array.isArray(current)) original[field] = current.filter((x) => !value.some((d) => deepEqual(d, x)));
      continue;
    }
    if (key.startsWith(setElementOrderPrefix)) {
      const field = key.slice(setElementOrderPrefix.length);
      if (!Array.isArray(value)) {
        throw invalidArgument(`${key} at ${where(path)} must be a list, not ${describe(value)}`);
      }
      orders.set(field, value);
      continue;
    }
    fields.push([key, value]);
  }

  for (const [key, value] of fields) {
    const fieldPath = [...path, key];
    if (value === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    if (isObject(value)) {
      const replace = strategies(meta, fieldPath).includes('replace');
      original[key] = mergeMap(isObject(current) && !replace ? current : {}, value, fieldPath, meta);
    } else if (Array.isArray(value)) {
      original[key] = mergeList(Array.isArray(current) ? current : [], value, fieldPath, meta, orders.get(key));
    } else {
      original[key] = value;
    }
  }

  // An order without a list patch only reorders what is there.
  for (const [field, order] of orders) {
    if (patch[field] === undefined && Array.isArray(original[field])) {
      original[field] = mergeList(original[field] as unknown[], [], [...path, field], meta, order);
    }
  }
  return original;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

function mergeList(
  original: unknown[],
  patch: unknown[],
  path: readonly string[],
  meta: PatchMeta,
  order: unknown[] | undefined,
): unknown[] {
  if (!strategies(meta, path).includes('merge')) return clone(patch);

  const replaceAt = patch.findIndex((e) => isObject(e) && e[patchDirective] === 'replace');
  if (replaceAt >= 0) {
    return mergeList([], patch.filter((_, i) => i !== replaceAt), path, meta, order);
  }

  const primitives = patch.length > 0 ? !patch.some(isObject) : !original.some(isObject);
  if (primitives) {
    if (patch.some((e) => isObject(e) || Array.isArray(e))) {
      throw invalidArgument(`list at ${where(path)} mixes maps and primitive values`);
    }
    const merged: unknown[] = [];
    for (const v of [...original, ...patch]) {
      if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
    }
    return order ? reorder(original, merged, order, (v) => v) : merged;
  }

  const mergeKey = meta.lookup(path)?.patchMergeKey;
  if (!mergeKey) throw invalidArgument(`cannot merge the list at ${where(path)}: it has no merge key`);
  const keyOf = (e: unknown): unknown => (isObject(e) ? e[mergeKey] : undefined);
  const merged = [...original];
  for (const element of patch) {
    if (!isObject(element)) throw invalidArgument(`list at ${where(path)} mixes maps and primitive values`);
    const key = element[mergeKey];
    if (key === undefined) {
      throw invalidArgument(
        `map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey} (at ${where(path)})`,
      );
    }
    const directive = element[patchDirective];
    if (directive === 'delete') {
      for (let i = merged.length - 1; i >= 0; i--) if (deepEqual(keyOf(merged[i]), key)) merged.splice(i, 1);
      continue;
    }
    if (directive !== undefined && directive !== 'merge') {
      throw invalidArgument(`unknown patch type: ${String(directive)} in list element at ${where(path)}`);
    }
    const at = merged.findIndex((m) => deepEqual(keyOf(m), key));
    const current = at >= 0 ? merged[at] : undefined;
    const next = mergeMap(isObject(current) ? current : {}, withoutKey(element, patchDirective), path, meta);
    if (at >= 0) merged[at] = next;
    else merged.push(next);
  }
  return order ? reorder(original, merged, order.map(keyOf), keyOf) : merged;
}

/**
 * Orders `merged` as `$setElementOrder` asks: the listed elements in the listed order, the
 * elements only the server had kept where they were relative to the listed ones.
 */
function reorder(original: unknown[], merged: unknown[], order: unknown[], idOf: (e: unknown) => unknown): unknown[] {
  const indexIn = (list: unknown[], id: unknown): number => list.findIndex((x) => deepEqual(x, id));
  const originalIds = original.map(idOf);
  const listed: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const e of merged) {
    const id = idOf(e);
    if (indexIn(order, id) >= 0 || indexIn(originalIds, id) < 0) listed.push(e);
    else serverOnly.push(e);
  }
  const rank = (e: unknown): number => {
    const i = indexIn(order, idOf(e));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  listed.sort((a, b) => rank(a) - rank(b));
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < listed.length) {
    const serverIdx = indexIn(originalIds, idOf(serverOnly[i]));
    const listedIdx = indexIn(originalIds, idOf(listed[j]));
    if (listedIdx >= 0 && serverIdx < listedIdx) result.push(serverOnly[i++]);
    else result.push(listed[j++]);
  }
  return [...result, ...serverOnly.slice(i), ...listed.slice(j)];
}
