/**
 * Server-side apply and field ownership as Kubernetes' structured-merge-diff has them:
 * every manager owns a set of field paths (metadata.managedFields, FieldsV1); apply merges
 * the applied configuration into the live object by the schema's list types, removes the
 * fields the manager applied before and omits now (unless someone else owns them too) and
 * refuses to change fields another manager owns unless forced; other writes hand the fields
 * they change to their manager.
 */
import { BerthError, invalidArgument } from '../../../lib/errors.js';
import { FieldSet, fromFieldsV1, pathString, startsWith, toFieldsV1, type FieldPath } from './fieldset.js';
import { clone, deepEqual, isObject, type JsonObject, type PatchMeta } from './meta.js';
import { elementKey, elementPathElement, findElement, isAtomicMap, listKind } from './schema.js';

/** A Kubernetes object as JSON; `any` because callers index freely into decoded bodies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ApplyConflict {
  manager: string;
  field: string; // '.spec.replicas'
  /** As Kubernetes words the cause: `conflict with "kubectl-client-side-apply" using apps/v1`. */
  message?: string;
}

/** A server-side apply that would change fields other managers own (HTTP 409). */
export class ApplyConflictError extends BerthError {
  readonly conflicts: ApplyConflict[];

  constructor(conflicts: ApplyConflict[], message: string) {
    super('conflict', message);
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  apiVersion: string;
  meta: PatchMeta;
  now: string;
  subresource?: string;
}

export interface UpdateOptions {
  manager: string;
  apiVersion: string;
  meta: PatchMeta;
  now: string;
  subresource?: string;
}

/** The manager Kubernetes hands an object's fields to when it is first applied to without
 *  any managedFields. */
export const beforeFirstApplyManager = 'before-first-apply';

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string | undefined;
  set: FieldSet;
}

/** Managers are told apart by name, operation and subresource, and Update managers also by
 *  API version (appliers keep one entry whatever version they use). */
function identity(e: Pick<Entry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource ?? '']);
}

// ---------------------------------------------------------------------------------------
// Walking values by schema

/** The field set a value sets: its leaves, the elements of its granular lists, and empty
 *  or null maps. `counterpart` (the merged object) supplies full keys for elements whose
 *  defaulted key fields the value leaves out. */
function fieldSetOf(value: unknown, meta: PatchMeta, strict: boolean, counterpart?: unknown): FieldSet {
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

interface Comparison {
  changed: FieldSet; // modified or added
  removed: FieldSet;
}

/** What differs between two versions of an object, as field paths. */
function compare(oldValue: unknown, newValue: unknown, meta: PatchMeta): Comparison {
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
function mergeApplied(live: unknown, applied: unknown, meta: PatchMeta, names: string[]): unknown {
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
    if (kind.kind === 'set') {
      const out = [...live];
      for (const v of applied) if (!out.some((x) => deepEqual(x, v))) out.push(v);
      return out;
    }
    if (kind.kind === 'map') return mergeAssociative(live, applied, kind.keys, meta, names);
  }
  return applied;
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
  // Live elements stay where they are; new ones go after the applied element before them
  // (or before the first live element the configuration also has).
  const slots = live.map((value, liveIndex) => ({ value, liveIndex }));
  const taken = new Set<number>();
  let cursor = -1;
  for (const element of applied) {
    const key = elementKey(element, keys);
    const at = key ? findElement(live, key, keys, taken) : -1;
    if (at >= 0) {
      taken.add(at);
      const slot = slots.findIndex((s) => s.liveIndex === at);
      (slots[slot] as { value: unknown }).value = mergeApplied(live[at], element, meta, names);
      cursor = slot + 1;
      continue;
    }
    if (cursor < 0) {
      const first = live.findIndex((e) => {
        const k = elementKey(e, keys);
        return k !== undefined && seen.some((s) => deepEqual(s, k));
      });
      cursor = first < 0 ? slots.length : first;
    }
    slots.splice(cursor, 0, { value: mergeApplied(undefined, element, meta, names), liveIndex: -1 });
    cursor++;
  }
  return slots.map((s) => s.value);
}

/** Removes the value at `path` from `obj` (in place); paths that are not there are ignored.
 *  Lists and maps the removal empties go too (below the top level), as they do from
 *  Kubernetes' objects, whose empty fields are omitted. */
function removePath(obj: unknown, path: FieldPath, meta: PatchMeta): void {
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

// ---------------------------------------------------------------------------------------
// managedFields

/** Fields no manager owns: identity and server-maintained metadata. */
const strippedFields: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:resourceVersion'],
];

function strip(set: FieldSet, subresource: string | undefined): FieldSet {
  let out = set.withoutSubtree(['f:metadata', 'f:managedFields']);
  // The main resource's writes never own status: it is reset from the stored object.
  if (subresource === undefined) out = out.withoutSubtree(['f:status']);
  return new FieldSet([...out].filter((p) => !strippedFields.some((s) => s.length === p.length && startsWith(p, s))));
}

function decodeEntries(obj: KubeObject | undefined): Entry[] {
  return decodeList(obj?.metadata?.managedFields, false);
}

/** Decodes managedFields; `blankAllowed` accepts entries without manager or operation (the
 *  `[{}]` that clears managedFields) as empty Update entries. */
function decodeList(raw: unknown, blankAllowed: boolean): Entry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((e, i): Entry => {
    if (!isObject(e)) throw invalidArgument(`metadata.managedFields[${i}]: must be an object`);
    const manager = e.manager ?? (blankAllowed ? '' : undefined);
    const operation = e.operation ?? (blankAllowed ? 'Update' : undefined);
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) {
      throw invalidArgument(`metadata.managedFields[${i}]: must have a manager and an operation of Apply or Update`);
    }
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw invalidArgument(`metadata.managedFields[${i}].fieldsType: Unsupported value: ${JSON.stringify(e.fieldsType)}: supported values: "FieldsV1"`);
    }
    return {
      manager,
      operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      time: typeof e.time === 'string' ? e.time : '',
      subresource: typeof e.subresource === 'string' && e.subresource !== '' ? e.subresource : undefined,
      set: fromFieldsV1(e.fieldsV1 ?? {}),
    };
  });
}

/** The managedFields an Update starts from: the writer's own when it sent usable ones (so
 *  `[{}]` clears them), else the stored ones. Like Kubernetes, an empty list or a broken
 *  one does not clear them: clients unaware of managedFields must not lose them. */
function entriesForUpdate(oldObj: KubeObject | undefined, newObj: KubeObject): Entry[] {
  const given: unknown = newObj.metadata?.managedFields;
  if (Array.isArray(given) && given.length > 0 && !deepEqual(given, oldObj?.metadata?.managedFields)) {
    try {
      return decodeList(given, true);
    } catch {
      // Fall back to the stored ones below.
    }
  }
  return decodeEntries(oldObj);
}

function encodeEntries(entries: Entry[]): ManagedFieldsEntry[] {
  const kept = entries.filter((e) => e.set.size > 0);
  kept.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    if (p.time !== q.time) return p.time < q.time ? -1 : 1;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1;
  });
  return kept.map((e) => {
    const out: ManagedFieldsEntry = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(e.set),
    };
    if (e.subresource !== undefined) out.subresource = e.subresource;
    return out;
  });
}

/** Kubernetes keeps at most this many Update managers; older ones merge into buckets. */
export const maxUpdateManagers = 10;
export const ancientChangesManager = 'ancient-changes';

/** Merges the oldest Update entries into one `ancient-changes` entry per API version until
 *  at most maxUpdateManagers remain, as Kubernetes does so managedFields cannot grow without
 *  bound. */
function capUpdateManagers(entries: Entry[]): Entry[] {
  const live = entries.filter((e) => e.set.size > 0);
  const updaters = live.filter((e) => e.operation === 'Update');
  if (updaters.length <= maxUpdateManagers) return live;
  updaters.sort((p, q) => (p.time !== q.time ? (p.time < q.time ? -1 : 1) : identity(p) < identity(q) ? -1 : 1));
  const dropped = new Set<Entry>();
  const firstOfVersion = new Map<string, Entry>();
  let count = updaters.length;
  for (const entry of updaters) {
    if (count <= maxUpdateManagers) break;
    const first = firstOfVersion.get(entry.apiVersion);
    if (!first) {
      firstOfVersion.set(entry.apiVersion, entry);
      continue;
    }
    const bucketId = identity({ manager: ancientChangesManager, operation: 'Update', apiVersion: entry.apiVersion, subresource: undefined });
    let bucket = live.find((e) => !dropped.has(e) && identity(e) === bucketId);
    if (!bucket) {
      // The first entry of this version becomes the bucket.
      first.manager = ancientChangesManager;
      first.subresource = undefined;
      bucket = first;
    }
    bucket.set = bucket.set.union(entry.set);
    bucket.time = entry.time;
    dropped.add(entry);
    count--;
  }
  return live.filter((e) => !dropped.has(e));
}

function withManagedFields(obj: KubeObject, entries: Entry[]): KubeObject {
  const encoded = encodeEntries(capUpdateManagers(entries));
  const metadata: JsonObject = isObject(obj.metadata) ? obj.metadata : {};
  if (encoded.length > 0) metadata.managedFields = encoded;
  else delete metadata.managedFields;
  obj.metadata = metadata;
  return obj;
}

/** How Kubernetes names a manager in conflicts. */
function describeManager(e: Entry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource !== undefined) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

function conflictMessage(conflicts: { entry: Entry; path: FieldPath }[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts as [{ entry: Entry; path: FieldPath }];
    return `Apply failed with 1 conflict: conflict with ${describeManager(c.entry)}: ${pathString(c.path)}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const m = describeManager(c.entry);
    byManager.set(m, [...(byManager.get(m) ?? []), pathString(c.path)]);
  }
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const p of byManager.get(m) ?? []) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------
// The operations

/** Server-side apply: merges `applied` into `live` (undefined on create) as Kubernetes'
 *  structured-merge-diff does, returns the new object with metadata.managedFields updated.
 *  Throws ApplyConflictError (conflict) when, unforced, it would change another manager's
 *  fields, and invalid argument for an unusable configuration. Neither input is modified. */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): KubeObject {
  if (!isObject(applied)) throw invalidArgument('the applied configuration must be an object');
  if (typeof applied.apiVersion === 'string' && applied.apiVersion !== opts.apiVersion) {
    throw invalidArgument(`Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${opts.apiVersion}`);
  }
  if (isObject(applied.metadata) && applied.metadata.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw invalidArgument('metadata.managedFields must be nil');
  }
  const { meta, subresource } = opts;
  // Inputs are only read; the merged object is cloned before anything changes it.
  const config = withoutManagedFields(applied);
  const base = withoutManagedFields(live ?? {});
  let entries = decodeEntries(live);
  if (live !== undefined && entries.length === 0) {
    // An object nobody has applied to yet: its fields belong to a stand-in manager so that
    // this apply cannot silently take or drop them.
    const set = strip(fieldSetOf(base, meta, false), subresource);
    entries = [{ manager: beforeFirstApplyManager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, subresource, set }];
  }

  const merged = clone(mergeApplied(base, config, meta, [])) as KubeObject;
  const appliedSet = strip(fieldSetOf(config, meta, true, merged), subresource);

  const selfId = identity({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource });
  const previous = entries.find((e) => identity(e) === selfId);
  const others = entries.filter((e) => identity(e) !== selfId);

  // Fields this manager applied before and leaves out now go, unless another applier owns
  // them too (an Update manager's claim does not keep them, as in Kubernetes).
  if (previous) {
    const ownedByAppliers = others.filter((e) => e.operation === 'Apply').reduce((acc, e) => acc.union(e.set), new FieldSet());
    // Parents first: a removed element goes whole, its fields with it.
    const dropped = [...previous.set.difference(appliedSet)].sort((a, b) => a.length - b.length);
    for (const p of dropped) {
      if (ownedByAppliers.hasAtOrBelow(p) || appliedSet.hasAtOrBelow(p)) continue;
      removePath(merged, p, meta);
    }
  }

  // Conflicts: fields this apply changes that someone else owns.
  const diff = compare(base, merged, meta);
  const changed = strip(diff.changed, subresource);
  const conflicts: { entry: Entry; path: FieldPath }[] = [];
  for (const entry of others) {
    for (const p of entry.set.intersection(changed)) conflicts.push({ entry, path: p });
  }
  if (conflicts.length > 0 && !opts.force) {
    conflicts.sort((a, b) => (pathString(a.path) < pathString(b.path) ? -1 : 1));
    throw new ApplyConflictError(
      conflicts.map((c) => ({ manager: c.entry.manager, field: pathString(c.path), message: `conflict with ${describeManager(c.entry)}` })),
      conflictMessage(conflicts),
    );
  }
  // Forced: the conflicting fields change hands. Removed fields leave every set.
  const removed = strip(diff.removed, subresource);
  for (const entry of others) entry.set = entry.set.difference(changed).withoutSubtrees(removed);

  // The applier's time moves only when the object changes (or the entry is new).
  const unchanged = diff.changed.size === 0 && diff.removed.size === 0;
  const time = previous && unchanged ? previous.time : opts.now;
  const self: Entry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, time, subresource, set: appliedSet };
  return withManagedFields(merged, [...others, self]);
}

/** After a non-apply write (create/update/patch): records the fields `manager` changed in
 *  managedFields (operation Update) and removes them from other managers' sets. Neither
 *  input is modified. */
export function trackUpdate(oldObj: KubeObject | undefined, newObj: KubeObject, opts: UpdateOptions): KubeObject {
  const { meta, subresource } = opts;
  const result = clone(newObj);
  let entries = entriesForUpdate(oldObj, newObj);

  const { changed, removed } = compare(withoutManagedFields(oldObj ?? {}), withoutManagedFields(newObj), meta);
  const gained = strip(changed, subresource);
  const lost = strip(removed, subresource);
  const dropLost = (set: FieldSet): FieldSet => set.withoutSubtrees(lost);

  const selfId = identity({ manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource });
  let self = entries.find((e) => identity(e) === selfId);
  entries = entries.map((e) => (identity(e) === selfId ? e : { ...e, set: dropLost(e.set.difference(gained)) }));
  if (gained.size > 0) {
    if (!self) {
      self = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, subresource, set: new FieldSet() };
      entries.push(self);
    }
    self.set = dropLost(self.set.union(gained));
    self.time = opts.now;
  } else if (self) {
    self.set = dropLost(self.set);
  }
  return withManagedFields(result, entries);
}

/** `obj` without metadata.managedFields (a shallow copy when it had them). */
function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!isObject(obj.metadata) || !Object.hasOwn(obj.metadata, 'managedFields')) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}
