/** Patch metadata of a field, as Kubernetes' OpenAPI extensions and struct tags carry it. */
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

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}
