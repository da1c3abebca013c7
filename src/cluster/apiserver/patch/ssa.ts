/**
 * Server-side apply and field ownership as Kubernetes' structured-merge-diff has them:
 * every manager owns a set of field paths (metadata.managedFields, FieldsV1); apply merges
 * the applied configuration into the live object by the schema's list types, removes the
 * fields the manager applied before and omits now (unless someone else owns them too) and
 * refuses to change fields another manager owns unless forced; other writes hand the fields
 * they change to their manager.
 */
import { BerthError, invalidArgument } from '../../../lib/errors.js';
import { FieldSet, pathString, type FieldPath } from './fieldset.js';
import {
  decodeEntries,
  entriesForUpdate,
  identity,
  strip,
  withManagedFields,
  withoutManagedFields,
  type Entry,
  type KubeObject,
} from './managed.js';
import { fieldsKeptFromLastApplied, kubectlManager, syncLastApplied } from './last-applied.js';
import { clone, isObject, type PatchMeta } from './meta.js';
import { compare, fieldSetOf, mergeApplied, removePath } from './typed.js';

export type { KubeObject, ManagedFieldsEntry } from './managed.js';

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
    // An object without managedFields: its fields belong to a stand-in manager, recorded as
    // an update from nothing, so that this apply cannot silently take or drop them.
    const set = strip(compare({}, base, meta).changed, subresource);
    entries = [{ manager: beforeFirstApplyManager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, subresource, set }];
  }

  const merged = clone(mergeApplied(base, config, meta, [])) as KubeObject;
  const appliedSet = strip(fieldSetOf(config, meta, true, merged), subresource);

  const selfId = identity({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource });
  const previous = entries.find((e) => identity(e) === selfId);
  const others = entries.filter((e) => identity(e) !== selfId);

  // Fields this manager applied before and leaves out now go, unless another manager owns
  // them too. Only what is a member of the merged object goes (a leaf, an element, an empty
  // map): a map that has gained fields since is left to its fields, while an element goes
  // whole, with whatever others set inside it, as structured-merge-diff prunes.
  if (previous) {
    const ownedByOthers = others.reduce((acc, e) => acc.union(e.set), new FieldSet());
    const members = fieldSetOf(merged, meta, false);
    const dropped = [...previous.set.difference(appliedSet).difference(ownedByOthers).intersection(members)];
    // Parents first: once an element is gone, its fields are too.
    for (const p of dropped.sort((a, b) => a.length - b.length)) {
      if (!appliedSet.hasAtOrBelow(p)) removePath(merged, p, meta);
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
    // kubectl may take what its own last client-side apply set, unchanged since.
    const kept = opts.manager === kubectlManager && live ? fieldsKeptFromLastApplied(base, meta) : undefined;
    const remaining = kept ? conflicts.filter((c) => !kept.has(c.path)) : conflicts;
    if (remaining.length > 0) {
      remaining.sort((a, b) => (pathString(a.path) < pathString(b.path) ? -1 : 1));
      throw new ApplyConflictError(
        remaining.map((c) => ({ manager: c.entry.manager, field: pathString(c.path), message: `conflict with ${describeManager(c.entry)}` })),
        conflictMessage(remaining),
      );
    }
  }
  // Forced: the conflicting fields change hands. Removed fields leave every set.
  const removed = strip(diff.removed, subresource);
  for (const entry of others) entry.set = entry.set.difference(changed).withoutSubtrees(removed);

  // The applier's time moves only when the object changes (or the entry is new).
  const unchanged = diff.changed.size === 0 && diff.removed.size === 0;
  const time = previous && unchanged ? previous.time : opts.now;
  const self: Entry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, time, subresource, set: appliedSet };
  if (opts.manager === kubectlManager) syncLastApplied(merged, applied);
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
