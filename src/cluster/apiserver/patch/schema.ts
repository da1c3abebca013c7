/**
 * How server-side apply sees a field, from its patch metadata: lists are atomic, sets or
 * associative (keyed) lists; maps are granular unless marked atomic. Without metadata every
 * list is atomic, as structured-merge-diff's deduced schema has it.
 */
import { invalidArgument } from '../../../lib/errors.js';
import { deepEqual, isObject, type JsonObject, type PatchMeta } from './meta.js';

export type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[] };

export function listKind(meta: PatchMeta, names: readonly string[]): ListKind {
  const info = meta.lookup(names);
  if (!info) return { kind: 'atomic' };
  if (info.listType === 'map' && info.listMapKeys && info.listMapKeys.length > 0) {
    return { kind: 'map', keys: info.listMapKeys };
  }
  if (info.listType === 'set') return { kind: 'set' };
  if (info.listType === 'atomic') return { kind: 'atomic' };
  const merge = (info.patchStrategy ?? '').split(',').includes('merge');
  if (merge && info.patchMergeKey) return { kind: 'map', keys: [info.patchMergeKey] };
  if (merge) return { kind: 'set' };
  return { kind: 'atomic' };
}

export function isAtomicMap(meta: PatchMeta, names: readonly string[]): boolean {
  if (names.length === 0) return false;
  const info = meta.lookup(names);
  return info?.mapType === 'atomic' || info?.structType === 'atomic';
}

/** The key fields an element of an associative list has, sorted by name; undefined when it
 *  has none. */
export function elementKey(element: unknown, keys: readonly string[]): JsonObject | undefined {
  if (!isObject(element)) return undefined;
  const key: JsonObject = {};
  for (const k of [...keys].sort()) {
    if (element[k] !== undefined && element[k] !== null) key[k] = element[k];
  }
  return Object.keys(key).length > 0 ? key : undefined;
}

/** Path element of a list element: `k:{…}` for associative lists, `v:…` for sets. */
export function elementPathElement(element: unknown, kind: ListKind, index: number, where: string, strict: boolean): string {
  if (kind.kind === 'set') return `v:${JSON.stringify(element)}`;
  if (kind.kind === 'map') {
    const key = elementKey(element, kind.keys);
    if (key) return `k:${JSON.stringify(key)}`;
    if (strict) {
      throw invalidArgument(`${where}[${index}]: associative list with keys [${kind.keys.join(', ')}] has an element without any key field`);
    }
  }
  return `i:${index}`;
}

/** Whether two keys name the same element: equal on every key field both have (a key
 *  field left to its default on one side does not separate them). */
export function keysMatch(a: JsonObject, b: JsonObject): boolean {
  let common = 0;
  for (const k of Object.keys(a)) {
    if (!Object.hasOwn(b, k)) continue;
    if (!deepEqual(a[k], b[k])) return false;
    common++;
  }
  return common > 0;
}

/** Index in `list` of the element `key` names: an exact key first, then a compatible one. */
export function findElement(list: readonly unknown[], key: JsonObject, keys: readonly string[], skip: ReadonlySet<number> = new Set()): number {
  const candidates = list.map((e, i) => ({ i, k: elementKey(e, keys) })).filter((c) => !skip.has(c.i) && c.k);
  const exact = candidates.find((c) => deepEqual(c.k, key));
  if (exact) return exact.i;
  return candidates.find((c) => keysMatch(c.k as JsonObject, key))?.i ?? -1;
}
