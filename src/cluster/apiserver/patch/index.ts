/**
 * Every patch kind the Kubernetes API server accepts, as pure functions over JSON values:
 * JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch and
 * server-side apply with managedFields tracking.
 */
import { BerthError } from '../../../lib/errors.js';

export interface FieldPatchInfo {
  patchStrategy?: string; // 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys'
  patchMergeKey?: string; // e.g. 'name', 'containerPort', 'mountPath'
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  structType?: 'atomic' | 'granular';
}

/** Looks up the patch metadata of the field at `path` (field names only; list elements are
 *  not path elements: ['spec','template','spec','containers','ports']). */
export interface PatchMeta {
  lookup(path: readonly string[]): FieldPatchInfo | undefined;
}

/** For custom resources without schema info: every list atomic. */
export const noPatchMeta: PatchMeta = { lookup: () => undefined };

export function applyJsonPatch(_doc: unknown, _ops: unknown): unknown {
  throw new Error('not implemented');
}

export function applyMergePatch(_doc: unknown, _patch: unknown): unknown {
  throw new Error('not implemented');
}

export function applyStrategicMergePatch(_doc: unknown, _patch: unknown, _meta: PatchMeta): unknown {
  throw new Error('not implemented');
}

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

/** Server-side apply: merges `applied` into `live` (undefined on create) as Kubernetes'
 *  structured-merge-diff does, returns the new object with metadata.managedFields updated. */
export function serverSideApply(
  _live: KubeObject | undefined,
  _applied: KubeObject,
  _opts: ApplyOptions,
): KubeObject {
  throw new Error('not implemented');
}

/** After a non-apply write (create/update/patch): records the fields `manager` changed in
 *  managedFields (operation Update) and removes them from other managers' sets. */
export function trackUpdate(
  _oldObj: KubeObject | undefined,
  _newObj: KubeObject,
  _opts: UpdateOptions,
): KubeObject {
  throw new Error('not implemented');
}
