/**
 * kubectl's client-side apply annotation under server-side apply. Kubernetes lets the
 * `kubectl` manager take, without force, the fields its last client-side apply set and
 * nobody changed since (so `kubectl apply --server-side` after `kubectl apply` does not
 * conflict with kubectl's own earlier writes), and keeps the annotation in step with what
 * `kubectl` applies server-side.
 */
import type { FieldSet } from './fieldset.js';
import type { KubeObject } from './managed.js';
import { clone, isObject, type JsonObject, type PatchMeta } from './meta.js';
import { compare, fieldSetOf } from './typed.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** The only manager the annotation is honoured and kept for, as in Kubernetes. */
export const kubectlManager = 'kubectl';
/** Kubernetes' limit on the total size of an object's annotations. */
const annotationsSizeLimit = 256 * 1024;

function lastAppliedOf(obj: KubeObject): string | undefined {
  const value: unknown = obj.metadata?.annotations?.[lastAppliedAnnotation];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The fields the last client-side apply set that the live object still has as it set them;
 *  undefined when there is no usable annotation. */
export function fieldsKeptFromLastApplied(live: KubeObject, meta: PatchMeta): FieldSet | undefined {
  const raw = lastAppliedOf(live);
  if (raw === undefined) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(last)) return undefined;
  const diff = compare(last, live, meta);
  return fieldSetOf(last, meta, false).difference(diff.changed).difference(diff.removed);
}

/** Rewrites the annotation (when the object has one) to the configuration `kubectl` just
 *  applied; drops it when that would exceed the annotations size limit. Changes `obj`. */
export function syncLastApplied(obj: KubeObject, applied: KubeObject): void {
  if (lastAppliedOf(obj) === undefined) return;
  const config = clone(applied);
  if (isObject(config.metadata) && isObject(config.metadata.annotations)) {
    delete config.metadata.annotations[lastAppliedAnnotation];
    if (Object.keys(config.metadata.annotations).length === 0) delete config.metadata.annotations;
  }
  const annotations = obj.metadata.annotations as Record<string, string>;
  annotations[lastAppliedAnnotation] = goJson(config);
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (size > annotationsSizeLimit) delete annotations[lastAppliedAnnotation];
}

/** JSON as Go's encoder writes a decoded object: keys sorted, HTML characters escaped. */
function goJson(v: unknown): string {
  return JSON.stringify(sortKeys(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}
