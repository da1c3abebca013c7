/**
 * Kubernetes objects walked by their schema as structured-merge-diff walks typed values:
 * the field set a value sets, what changed between two values, the merge of an applied
 * configuration into a live object, and the removal of one field path.
 */
import { invalidArgument } from '../../../lib/errors.js';
import { FieldSet, pathString, type FieldPath } from './fieldset.js';
import { deepEqual, isObject, type JsonObject, type PatchMeta } from './meta.js';
import { elementKey, elementPathElement, findElement, isAtomicMap, listKind } from './schema.js';

/** The field set a value sets: its leaves, the elements of its granular lists, and empty
 *  or null maps. `counterpart` (the merged object) supplies full keys for elements whose
 *  defaulted key fields the value leaves out. */
export function fieldSetOf(value: unknown, meta: PatchMeta, strict: boolean, counterpart?: unknown): FieldSet {
  const set = new FieldSet();
  new Collector(meta, strict, set).value(value, counterpart, [], []);
  return set;
}

/** Gathers field sets; `names` are the field names leading to a value (for the schema),
 *  `path` its full path. */
class Collector {
  constructor(
    private readonly meta: PatchMeta,
    private readonly strict: boolean,
    readonly set: FieldSet,
  ) {}

  value(v: unknown, other: unknown, names: string[], path: string[]): void {
    if (isObject(v)) {
      if (isAtomicMap(this.meta, names) || (Object.keys(v).length === 0 && path.length > 0)) this.set.add(path);
      else this.fields(v, other, names, path);
      return;
    }
    if (!Array.isArray(v)) {
      this.set.add(path);
      return;
    }
    const kind = listKind(this.meta, names);
    if (kind.kind === 'atomic') {
      this.set.add(path);
      return;
    }
    const where = pathString(path);
    v.forEach((element, i) => {
      let source = element;
      if (kind.kind === 'map' && Array.isArray(other)) {
        const key = elementKey(element, kind.keys);
        const at = key ? findElement(other, key, kind.keys) : -1;
        if (at >= 0) source = other[at];
      }
      const elementPath = [...path, elementPathElement(source, kind, i, where, this.strict)];
      this.set.add(elementPath);
      if (kind.kind === 'map' && isObject(element)) this.fields(element, source, names, elementPath);
    });
  }

  fields(obj: JsonObject, other: unknown, names: string[], path: string[]): void {
    for (const [k, child] of Object.entries(obj)) {
      if (child === undefined) continue;
      const childPath = [...path, `f:${k}`];
      if (child === null) this.set.add(childPath);
      else this.value(child, isObject(other) ? other[k] : undefined, [...names, k], childPath);
    }
  }
}

export interface Comparison {
  changed: FieldSet; // modified or added
  removed: FieldSet;
}

/** What differs between two versions of an object, as field paths. */
export function compare(oldValue: unknown, newValue: unknown, meta: PatchMeta): Comparison {
  const changed = new FieldSet();
  const removed = new FieldSet();
  /** Adds a value that appeared or went: the field itself (unless `self` is false) and
   *  every field and element below it. */
  const subtree = (v: unknown, names: string[], path: string[], into: FieldSet, self: boolean): void => {
    if (self) into.add(path);
    if (isObject(v) && !isAtomicMap(meta, names)) {
      for (const [k, child] of Object.entries(v)) {
        if (child !== undefined) subtree(child, [...names, k], [...path, `f:${k}`], into, true);
      }
    } else if (Array.isArray(v)) {
      const kind = listKind(meta, names);
      if (kind.kind === 'atomic') return;
      const where = pathString(path);
      v.forEach((e, i) => subtree(e, names, [...path, elementPathElement(e, kind, i, where, false)], into, true));
    }
  };
  const walk = (o: unknown, n: unknown, names: string[], path: string[]): void => {
    if (isObject(o) && isObject(n) && !isAtomicMap(meta, names)) {
      for (const k of new Set([...Object.keys(o), ...Object.keys(n)])) {
        const childPath = [...path, `f:${k}`];
        const childNames = [...names, k];
        // Top-level fields always exist in Kubernetes' typed objects, so they are never
        // "added" themselves.
        const self = path.length > 0;
        if (o[k] === undefined && n[k] !== undefined) subtree(n[k], childNames, childPath, changed, self);
        else if (o[k] !== undefined && n[k] === undefined) subtree(o[k], childNames, childPath, removed, true);
        else if (o[k] !== undefined) walk(o[k], n[k], childNames, childPath);
      }
      return;
    }
    if (Array.isArray(o) && Array.isArray(n)) {
      const kind = listKind(meta, names);
      if (kind.kind !== 'atomic') {
        const where = pathString(path);
        const index = (list: unknown[]): Map<string, unknown> =>
          new Map(list.map((e, i) => [elementPathElement(e, kind, i, where, false), e]));
        const olds = index(o);
        const news = index(n);
        for (const [pe, e] of news) {
          const ep = [...path, pe];
          if (!olds.has(pe)) subtree(e, names, ep, changed, true);
          else if (kind.kind === 'map') walk(olds.get(pe), e, names, ep);
        }
        for (const [pe, e] of olds) {
          if (!news.has(pe)) subtree(e, names, [...path, pe], removed, true);
        }
        return;
      }
    }
    if (!deepEqual(o, n)) changed.add(path);
  };
  walk(oldValue, newValue, [], []);
  return { changed, removed };
}

/** Merges an applied configuration into the live object by the schema's list types. The
 *  result shares parts with both inputs: clone it before changing it. */
export function mergeApplied(live: unknown, applied: unknown, meta: PatchMeta, names: string[]): unknown {
  if (applied === undefined) return live;
  // New subtrees merge into nothing, so that their lists are checked and nulls dropped too.
  if (live === undefined && isObject(applied)) live = {};
  if (live === undefined && Array.isArray(applied)) live = [];
  if (isObject(live) && isObject(applied) && !isAtomicMap(meta, names)) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === undefined) continue;
      if (v === null) delete out[k];
      else out[k] = mergeApplied(live[k], v, meta, [...names, k]);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const kind = listKind(meta, names);
    if (kind.kind === 'set') return mergeSet(live, applied);
    if (kind.kind === 'map') return mergeAssociative(live, applied, kind.keys, meta, names);
  }
  return applied;
}

function mergeSet(live: unknown[], applied: unknown[]): unknown[] {
  const token = (v: unknown): string => JSON.stringify(v);
  return orderMerged(live.map(token), applied.map(token)).map((step) => (step.r !== undefined ? applied[step.r] : live[step.l as number]));
}

function mergeAssociative(live: unknown[], applied: unknown[], keys: string[], meta: PatchMeta, names: string[]): unknown[] {
  const seen: JsonObject[] = [];
  for (const element of applied) {
    const key = elementKey(element, keys);
    if (key && seen.some((k) => deepEqual(k, key))) {
      throw invalidArgument(`.${names.join('.')}: duplicate entries for key ${pathString([`k:${JSON.stringify(key)}`])}`);
    }
    if (key) seen.push(key);
  }
  // An applied element takes the token of the live element it names (a key field left to
  // its default still finds it); new ones get their own.
  const taken = new Set<number>();
  const appliedTokens = applied.map((element, j) => {
    const key = elementKey(element, keys);
    const at = key ? findElement(live, key, keys, taken) : -1;
    if (at < 0) return `r${j}`;
    taken.add(at);
    return `l${at}`;
  });
  return orderMerged(live.map((_, i) => `l${i}`), appliedTokens).map((step) =>
    mergeApplied(step.l === undefined ? undefined : live[step.l], step.r === undefined ? undefined : applied[step.r], meta, names),
  );
}

/**
 * The order of a merged list, as structured-merge-diff orders it: walking both lists, a
 * live element the configuration does not name stays where it is, the applied elements come
 * in the applied order (a live element it names waits until the configuration reaches it),
 * and an element new to the list comes where the configuration has it. Each step names the
 * live (`l`) and applied (`r`) element it merges.
 */
function orderMerged(liveTokens: string[], appliedTokens: string[]): { l?: number; r?: number }[] {
  const liveAt = new Map<string, number>();
  liveTokens.forEach((t, i) => {
    if (!liveAt.has(t)) liveAt.set(t, i);
  });
  const inApplied = new Set(appliedTokens);
  const shared = appliedTokens.filter((t) => liveAt.has(t));
  let nextShared = 0;
  const merged = new Set<string>();
  const out: { l?: number; r?: number }[] = [];
  let l = 0;
  let r = 0;
  while (l < liveTokens.length || r < appliedTokens.length) {
    const lt = liveTokens[l];
    const rt = appliedTokens[r];
    if (lt !== undefined && rt !== undefined) {
      if (lt === rt) {
        merged.add(rt);
        out.push({ l: liveAt.get(rt) as number, r });
        l++;
        r++;
        nextShared++;
        continue;
      }
      if (inApplied.has(lt) && shared[nextShared] !== undefined && shared[nextShared] !== lt) {
        l++;
        continue;
      }
    }
    if (lt !== undefined) {
      if (!inApplied.has(lt)) {
        out.push({ l });
        l++;
        continue;
      }
      if (merged.has(lt)) {
        l++;
        continue;
      }
    }
    if (rt !== undefined) {
      merged.add(rt);
      const at = liveAt.get(rt);
      out.push(at === undefined ? { r } : { l: at, r });
      if (shared[nextShared] === rt) nextShared++;
      r++;
    }
  }
  return out;
}

/** Removes the value at `path` from `obj` (in place); paths that are not there are ignored.
 *  Lists and maps the removal empties go too (below the top level), as they do from
 *  Kubernetes' objects, whose empty fields are omitted. */
export function removePath(obj: unknown, path: FieldPath, meta: PatchMeta): void {
  const trail: { container: JsonObject | unknown[]; at: string | number }[] = [];
  let cur: unknown = obj;
  const names: string[] = [];
  for (const element of path) {
    const body = element.slice(2);
    if (element.startsWith('f:')) {
      if (!isObject(cur) || cur[body] === undefined) return;
      trail.push({ container: cur, at: body });
      cur = cur[body];
      names.push(body);
      continue;
    }
    if (!Array.isArray(cur)) return;
    const list: unknown[] = cur;
    let at = -1;
    if (element.startsWith('k:')) {
      const key = JSON.parse(body) as JsonObject;
      const kind = listKind(meta, names);
      const keys = kind.kind === 'map' ? kind.keys : Object.keys(key);
      at = list.findIndex((e) => deepEqual(elementKey(e, keys), key));
    } else if (element.startsWith('v:')) {
      const value: unknown = JSON.parse(body);
      at = list.findIndex((e) => deepEqual(e, value));
    }
    if (at < 0) return;
    trail.push({ container: list, at });
    cur = list[at];
  }
  for (let i = trail.length - 1; i >= 0; i--) {
    const { container, at } = trail[i] as { container: JsonObject | unknown[]; at: string | number };
    if (Array.isArray(container)) container.splice(at as number, 1);
    else delete container[at as string];
    const emptied = Array.isArray(container) ? container.length === 0 : Object.keys(container).length === 0;
    if (!emptied || i <= 1) return;
  }
}
