/**
 * The type system of the Kubernetes-compatible API server: resource facts for discovery,
 * defaulting, validation, strict field checks, patch metadata, Table output, selectors,
 * custom resources and OpenAPI v3 documents.
 */
import type { PatchMeta } from '../patch/index.js';

/** A Kubernetes object as decoded JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

export interface FieldCause {
  field: string;
  /** 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTypeInvalid' | 'FieldValueNotFound' */
  reason: string;
  message: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** 'status' | 'scale' | 'log' | 'exec' | 'eviction' | 'binding' | 'attach' | 'portforward' | 'proxy' */
  subresources: string[];
  /** status is only written through /status */
  hasStatus: boolean;
  /** metadata.generation bumps on spec change */
  usesGeneration: boolean;
}

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0 normal, 1 wide */
  priority: number;
}

export interface Strategy {
  type: ResourceType;
  /** Defaulting as Kubernetes does it (mutates). */
  default(obj: KubeObject): void;
  /** Validation on create (old undefined) or update (incl. immutable fields); returns causes, empty when valid. */
  validate(obj: KubeObject, old?: KubeObject): FieldCause[];
  /** Known top-level-and-nested fields for fieldValidation=Strict: returns paths of unknown fields ('.spec.foo'). */
  unknownFields(obj: KubeObject): string[];
  /** For field selectors: the selectable fields of an object (metadata.name, metadata.namespace, status.phase, spec.nodeName …). */
  selectableFields(obj: KubeObject): Record<string, string>;
  tableColumns: TableColumn[];
  tableRow(obj: KubeObject, now: Date): unknown[];
  patchMeta: PatchMeta;
  /** Scale subresource mapping when present (specReplicasPath '.spec.replicas', statusReplicasPath, labelSelectorPath). */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
}

export interface FieldSelector {
  matches(fields: Record<string, string>): boolean;
  requirements: { field: string; op: '=' | '!='; value: string }[];
}

export function builtinStrategies(): Strategy[] {
  throw new Error('not implemented');
}

/** Strategy for a CustomResourceDefinition's version (validation/pruning/defaulting from its openAPIV3Schema, x-kubernetes-* extensions, printer columns, scale/status subresources). */
export function customResourceStrategy(_crd: KubeObject, _version: string): Strategy {
  throw new Error('not implemented');
}

/** OpenAPI v3 document for one group version. */
export function openapiV3Document(_group: string, _version: string, _strategies: Strategy[]): KubeObject {
  throw new Error('not implemented');
}

/** Parses a label selector string (`a=b,c!=d,e in (f,g),!h`); throws invalid argument. */
export function parseLabelSelector(_s: string): LabelSelector {
  throw new Error('not implemented');
}

export function labelSelectorFromObject(_sel: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }): LabelSelector {
  throw new Error('not implemented');
}

export function parseFieldSelector(_s: string): FieldSelector {
  throw new Error('not implemented');
}
