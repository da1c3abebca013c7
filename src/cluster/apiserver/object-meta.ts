import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeObject } from './types/index.js';

/**
 * Small pure helpers over objects' metadata and JSON values, shared by the REST logic and
 * the background loops.
 */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}

export const clone = <T>(v: T): T => structuredClone(v);

/** The object without metadata (and without status when the type keeps status apart): what bumps the generation. */
export function specOf(obj: KubeObject, hasStatus: boolean): KubeObject {
  const { metadata: _m, status, ...rest } = obj;
  return hasStatus ? rest : { ...rest, status };
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters from Kubernetes' alphabet (no vowels, no look-alikes). */
export function generatedName(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += nameAlphabet[b % nameAlphabet.length];
  return `${prefix.slice(0, 63 - 5)}${suffix}`;
}

export const newUid = (): string => randomUUID();

/** RFC 3339 with seconds, as Kubernetes' metav1.Time serialises. */
export const timestamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Removes the field at a path like `.spec.containers[0].foo`; missing parents are ignored. */
export function deleteFieldPath(obj: KubeObject, path: string): void {
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (typeof cur !== 'object' || cur === null) return;
    cur = (cur as Record<string | number, unknown>)[parts[i] as string | number];
  }
  const last = parts[parts.length - 1];
  if (typeof cur === 'object' && cur !== null && last !== undefined && !Array.isArray(cur)) delete (cur as Record<string, unknown>)[String(last)];
}

/** Reads a dotted path (`.spec.replicas`) of an object. */
export function getPath(obj: KubeObject, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.').filter((p) => p !== '')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Writes a dotted path, creating objects on the way. */
export function setPath(obj: KubeObject, path: string, value: unknown): void {
  const parts = path.split('.').filter((p) => p !== '');
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) cur[last] = value;
}

export function finalizersOf(obj: KubeObject): string[] {
  const f = obj.metadata?.finalizers;
  return Array.isArray(f) ? (f as string[]) : [];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]) : [];
}
