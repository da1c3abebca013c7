/**
 * metadata.managedFields: decoding and encoding the entries, the fields no manager owns, and
 * the cap on Update managers, as Kubernetes keeps them.
 */
import { invalidArgument } from '../../../lib/errors.js';
import { FieldSet, fromFieldsV1, startsWith, toFieldsV1, type FieldPath } from './fieldset.js';
import { deepEqual, isObject, type JsonObject } from './meta.js';

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

/** A decoded managedFields entry: its field set as paths. */
export interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string | undefined;
  set: FieldSet;
}

/** Managers are told apart by name, operation and subresource, and Update managers also by
 *  API version (appliers keep one entry whatever version they use). */
export function identity(e: Pick<Entry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource ?? '']);
}

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

export function strip(set: FieldSet, subresource: string | undefined): FieldSet {
  let out = set.withoutSubtree(['f:metadata', 'f:managedFields']);
  // The main resource's writes never own status, nor status writes spec: each is reset
  // from the stored object.
  if (subresource === undefined) out = out.withoutSubtree(['f:status']);
  else if (subresource === 'status') out = out.withoutSubtree(['f:spec']);
  return new FieldSet([...out].filter((p) => !strippedFields.some((s) => s.length === p.length && startsWith(p, s))));
}

export function decodeEntries(obj: KubeObject | undefined): Entry[] {
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
export function entriesForUpdate(oldObj: KubeObject | undefined, newObj: KubeObject): Entry[] {
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

export function withManagedFields(obj: KubeObject, entries: Entry[]): KubeObject {
  const encoded = encodeEntries(capUpdateManagers(entries));
  const metadata: JsonObject = isObject(obj.metadata) ? obj.metadata : {};
  if (encoded.length > 0) metadata.managedFields = encoded;
  else delete metadata.managedFields;
  obj.metadata = metadata;
  return obj;
}

/** `obj` without metadata.managedFields (a shallow copy when it had them). */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!isObject(obj.metadata) || !Object.hasOwn(obj.metadata, 'managedFields')) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}
