/**
 * Every patch kind the Kubernetes API server accepts, as pure functions over JSON values:
 * JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch and
 * server-side apply with managedFields tracking.
 */
export { noPatchMeta, type FieldPatchInfo, type PatchMeta } from './meta.js';
export { applyJsonPatch, JsonPatchError, maxJsonPatchOperations } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { ancientChangesManager, maxUpdateManagers } from './managed.js';
export {
  ApplyConflictError,
  beforeFirstApplyManager,
  serverSideApply,
  trackUpdate,
  type ApplyConflict,
  type ApplyOptions,
  type KubeObject,
  type ManagedFieldsEntry,
  type UpdateOptions,
} from './ssa.js';
