/**
 * Kubernetes' strategic merge patch: JSON merge patch where lists marked `patchStrategy:
 * merge` merge element-wise (by `patchMergeKey`, or as a set of primitives), plus the
 * directives kubectl's three-way patches carry: `$patch` (replace/delete; Kubernetes refuses
 * `merge` as a directive) in maps and list elements, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`. Lists are ordered as
 * Kubernetes orders them: the patch's (or `$setElementOrder`'s) order first, elements only
 * the server had interleaved by their old positions.
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
    throw invalidArgument(`unknown patch type: ${String(directive)} in map at ${where(path)}`);
  }

  const retain = patch[retainKeysDirective];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
      throw invalidArgument(`invalid patch format of retainKeys at ${where(path)}: ${retainKeysDirective} must be a list of field names`);
    }
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith('$')) continue;
      if (!retain.includes(key)) {
        throw invalidArgument(`invalid patch format of retainKeys at ${where(path)}: ${key} is not in the ${retainKeysDirective} list`);
      }
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
    if (current === undefined || shapeOf(current) !== shapeOf(value)) {
      // A value new to the object (or of another shape) is taken as it is, without nulls
      // and directives; a map that is itself a directive is dropped, as Kubernetes does.
      const fresh = withoutDirectives(value);
      if (fresh === undefined) delete original[key];
      else {
        const order = orders.get(key);
        original[key] = Array.isArray(fresh) && order ? mergeList([], fresh, fieldPath, meta, order) : fresh;
      }
      continue;
    }
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
    const merging = strategies(meta, [...path, field]).includes('merge');
    if (merging && patch[field] === undefined && Array.isArray(original[field])) {
      original[field] = mergeList(original[field] as unknown[], [], [...path, field], meta, order);
    }
  }
  return original;
}

function shapeOf(v: unknown): 'map' | 'list' | 'scalar' {
  return isObject(v) ? 'map' : Array.isArray(v) ? 'list' : 'scalar';
}

/** A patch value with its nulls and directives taken out; undefined when the value is a
 *  directive map (`$patch`) itself. */
function withoutDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDirectives).filter((e) => e !== undefined);
  if (!isObject(v)) return v;
  if (v[patchDirective] !== undefined) return undefined;
  const out: JsonObject = {};
  for (const [k, child] of Object.entries(v)) {
    if (child === null || k.startsWith('$')) continue;
    const fresh = withoutDirectives(child);
    if (fresh !== undefined) out[k] = fresh;
  }
  return out;
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

  const elements = patch.length > 0 ? patch : original;
  const primitives = !elements.some(isObject);
  if (!primitives && !elements.every(isObject)) {
    throw invalidArgument(`list at ${where(path)} mixes maps and primitive values`);
  }
  let merged: unknown[];
  let idOf: (e: unknown) => unknown;
  let patchIds: unknown[];
  let serverOrder = original;
  if (primitives) {
    if (patch.some(Array.isArray)) throw invalidArgument(`list at ${where(path)} holds lists, which cannot merge`);
    merged = [];
    for (const v of [...original, ...patch]) {
      if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
    }
    idOf = (e) => e;
    patchIds = patch;
  } else {
    const mergeKey = meta.lookup(path)?.patchMergeKey;
    if (!mergeKey) throw invalidArgument(`cannot merge lists without merge key at ${where(path)}`);
    idOf = (e) => (isObject(e) ? e[mergeKey] : undefined);
    const plain: JsonObject[] = [];
    let replace = false;
    let base = [...original];
    for (const element of patch) {
      if (!isObject(element)) continue;
      const directive = element[patchDirective];
      if (directive === undefined) {
        if (element[mergeKey] === undefined) {
          throw invalidArgument(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey} (at ${where(path)})`);
        }
        plain.push(element);
      } else if (directive === 'delete') {
        if (element[mergeKey] === undefined) {
          throw invalidArgument(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey} (at ${where(path)})`);
        }
        base = base.filter((e) => !deepEqual(idOf(e), element[mergeKey]));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw invalidArgument(`merging lists cannot yet be specified in the patch (at ${where(path)})`);
      } else {
        throw invalidArgument(`unknown patch type: ${String(directive)} in list element at ${where(path)}`);
      }
    }
    if (order) validateOrder(plain.map(idOf), order.map(idOf), path);
    if (replace) {
      base = [];
      serverOrder = plain;
    }
    merged = base;
    for (const element of plain) {
      const at = merged.findIndex((m) => deepEqual(idOf(m), element[mergeKey]));
      const current = at >= 0 ? merged[at] : undefined;
      const next = mergeMap(isObject(current) ? current : {}, element, path, meta);
      if (at >= 0) merged[at] = next;
      else merged.push(next);
    }
    patchIds = replace ? [] : plain.map(idOf);
  }
  let result = normalizeOrder(merged, patchIds, serverOrder.map(idOf), idOf);
  if (order) result = normalizeOrder(result, primitives ? order : order.map(idOf), original.map(idOf), idOf);
  return result;
}

/** The elements of a list patch must come in the order `$setElementOrder` gives them. */
function validateOrder(patchIds: unknown[], orderIds: unknown[], path: readonly string[]): void {
  let i = 0;
  for (const id of orderIds) if (i < patchIds.length && deepEqual(patchIds[i], id)) i++;
  if (i < patchIds.length) {
    throw invalidArgument(`the order of the list patch at ${where(path)} does not match its ${setElementOrderPrefix}${path.at(-1) ?? ''} list`);
  }
}

/**
 * Orders a merged list as Kubernetes does: the elements the patch names in the patch's (or
 * `$setElementOrder`'s) order, the elements only the server had in their old order, the two
 * interleaved by their old positions where both had one (an element new to the list goes
 * before server-only elements it meets).
 */
function normalizeOrder(merged: unknown[], orderIds: unknown[], serverIds: unknown[], idOf: (e: unknown) => unknown): unknown[] {
  const indexIn = (list: unknown[], id: unknown): number => list.findIndex((x) => deepEqual(x, id));
  const named: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const e of merged) (indexIn(orderIds, idOf(e)) >= 0 ? named : serverOnly).push(e);
  const rank = (list: unknown[]) => (e: unknown): number => {
    const i = indexIn(list, idOf(e));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const byOrder = rank(orderIds);
  const byServer = rank(serverIds);
  named.sort((a, b) => byOrder(a) - byOrder(b));
  serverOnly.sort((a, b) => byServer(a) - byServer(b));
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < named.length) {
    const left = indexIn(serverIds, idOf(serverOnly[i]));
    const right = indexIn(serverIds, idOf(named[j]));
    if (left >= 0 && right >= 0 && left < right) result.push(serverOnly[i++]);
    else result.push(named[j++]);
  }
  return [...result, ...serverOnly.slice(i), ...named.slice(j)];
}
