/**
 * What every kind shares: ObjectMeta and LabelSelector schemas, metadata validation
 * (names by kind, labels, annotations, owner references, finalizers, immutable identity).
 */
import { Causes } from './causes.js';
import type { KubeObject } from './index.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';
import { anyValue, bool, int64, keyedList, list, obj, type ObjectSchema, type Schema, setList, str, strMap, time } from './schema.js';

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const ownerReferenceSchema = obj(
  { apiVersion: str(), kind: str(), name: str(), uid: str(), controller: bool(), blockOwnerDeletion: bool() },
  { name: `${metaV1}.OwnerReference`, required: ['apiVersion', 'kind', 'name', 'uid'], structType: 'atomic' },
);

const managedFieldsEntrySchema = obj(
  { manager: str(), operation: str(), apiVersion: str(), time: time(), fieldsType: str(), fieldsV1: anyValue(), subresource: str() },
  { name: `${metaV1}.ManagedFieldsEntry` },
);

export const objectMetaSchema = obj(
  {
    name: str(),
    generateName: str(),
    namespace: str(),
    selfLink: str(),
    uid: str(),
    resourceVersion: str(),
    generation: int64(),
    creationTimestamp: time(),
    deletionTimestamp: time(),
    deletionGracePeriodSeconds: int64(),
    labels: strMap(),
    annotations: strMap(),
    ownerReferences: keyedList(ownerReferenceSchema, 'uid'),
    finalizers: setList(str(), 'merge'),
    managedFields: list(managedFieldsEntrySchema),
  },
  { name: `${metaV1}.ObjectMeta` },
);

export const listMetaSchema = obj(
  { selfLink: str(), resourceVersion: str(), continue: str(), remainingItemCount: int64() },
  { name: `${metaV1}.ListMeta` },
);

export const labelSelectorSchema = obj(
  {
    matchLabels: strMap(),
    matchExpressions: list(obj({ key: str(), operator: str(), values: list(str()) }, { name: `${metaV1}.LabelSelectorRequirement`, required: ['key', 'operator'] })),
  },
  { name: `${metaV1}.LabelSelector`, structType: 'atomic' },
);

export const conditionSchema = obj(
  { type: str(), status: str(), observedGeneration: int64(), lastTransitionTime: time(), reason: str(), message: str() },
  { name: `${metaV1}.Condition`, required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

/** A top-level object schema: apiVersion, kind, metadata, and the kind's own fields. */
export function topLevel(name: string, fields: Record<string, Schema>, required: string[] = []): ObjectSchema {
  const opts = required.length > 0 ? { name, required } : { name };
  return obj({ apiVersion: str(), kind: str(), metadata: objectMetaSchema, ...fields }, opts);
}

export type NameCheck = (name: string) => string[];

export interface MetaRules {
  namespaced: boolean;
  nameCheck: NameCheck;
}

const totalAnnotationSizeLimit = 256 * 1024;

export function validateLabels(labels: unknown, field: string, causes: Causes): void {
  if (!labels || typeof labels !== 'object') return;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    causes.check(field, k, isQualifiedName(k));
    if (typeof v === 'string') causes.check(field, v, isValidLabelValue(v));
  }
}

function validateAnnotations(annotations: unknown, field: string, causes: Causes): void {
  if (!annotations || typeof annotations !== 'object') return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    causes.check(field, k, isQualifiedName(k.toLowerCase()));
    size += k.length + String(v).length;
  }
  if (size > totalAnnotationSizeLimit) {
    causes.tooLong(field, totalAnnotationSizeLimit);
  }
}

export function validateObjectMeta(meta: KubeObject | undefined, rules: MetaRules, causes: Causes, path = 'metadata'): void {
  const m = meta ?? {};
  const name: unknown = m.name;
  if (typeof name === 'string' && name !== '') {
    causes.check(`${path}.name`, name, rules.nameCheck(name));
  } else if (typeof m.generateName === 'string' && m.generateName !== '') {
    // generateName is checked with a placeholder suffix, as the server appends 5 characters.
    const errs = rules.nameCheck(`${m.generateName}a`).filter((e) => !e.includes('no more than'));
    causes.check(`${path}.generateName`, m.generateName, errs);
  } else {
    causes.required(`${path}.name`, 'name or generateName is required');
  }
  const ns: unknown = m.namespace;
  if (rules.namespaced) {
    if (typeof ns !== 'string' || ns === '') causes.required(`${path}.namespace`);
    else causes.check(`${path}.namespace`, ns, isDNS1123LabelNamespace(ns));
  } else if (typeof ns === 'string' && ns !== '') {
    causes.forbidden(`${path}.namespace`, 'not allowed on this type');
  }
  if (typeof m.generation === 'number' && m.generation < 0) causes.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0');
  validateLabels(m.labels, `${path}.labels`, causes);
  validateAnnotations(m.annotations, `${path}.annotations`, causes);
  validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`, causes);
  validateFinalizers(m.finalizers, `${path}.finalizers`, causes);
}

function isDNS1123LabelNamespace(ns: string): string[] {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) && ns.length <= 63
    ? []
    : ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"];
}

function validateOwnerReferences(refs: unknown, field: string, causes: Causes): void {
  if (!Array.isArray(refs)) return;
  const controllers: string[] = [];
  for (const ref of refs as KubeObject[]) {
    if (!ref || typeof ref !== 'object') continue;
    const apiVersion = String(ref.apiVersion ?? '');
    if (apiVersion === '' || apiVersion.split('/').some((p) => p === '') || apiVersion.split('/').length > 2) {
      causes.invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty');
    }
    if (!ref.kind) causes.invalid(`${field}.kind`, ref.kind ?? '', 'kind must not be empty');
    if (!ref.name) causes.invalid(`${field}.name`, ref.name ?? '', 'name must not be empty');
    if (!ref.uid) causes.invalid(`${field}.uid`, ref.uid ?? '', 'uid must not be empty');
    if (ref.controller === true) controllers.push(`${ref.kind}/${ref.name}`);
  }
  if (controllers.length > 1) {
    causes.invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`);
  }
}

function validateFinalizers(finalizers: unknown, field: string, causes: Causes): void {
  if (!Array.isArray(finalizers)) return;
  finalizers.forEach((f, i) => {
    if (typeof f === 'string') causes.check(`${field}[${i}]`, f, isQualifiedName(f));
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    causes.invalid(field, 'foregroundDeletion', 'finalizer foregroundDeletion and orphan cannot be both set');
  }
}

/** Identity fields that never change once an object exists. */
export function validateObjectMetaUpdate(meta: KubeObject | undefined, old: KubeObject | undefined, causes: Causes, path = 'metadata'): void {
  const m = meta ?? {};
  const o = old ?? {};
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (o[f] !== undefined && m[f] !== undefined && m[f] !== o[f]) causes.immutable(`${path}.${f}`, m[f]);
  }
  if (o.deletionTimestamp && m.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp) {
    causes.immutable(`${path}.deletionTimestamp`, m.deletionTimestamp);
  }
}

export const subdomainName: NameCheck = isDNS1123Subdomain;
