/**
 * The type system of the Kubernetes-compatible API server: resource facts for discovery,
 * defaulting, validation, strict field checks, patch metadata, Table output, selectors,
 * custom resources and OpenAPI v3 documents.
 */
import type { PatchMeta } from '../patch/index.js';
import { crdStrategy } from './crd.js';
import { deploymentStrategy, daemonSetStrategy, replicaSetStrategy, statefulSetStrategy } from './kinds/apps.js';
import {
  configMapStrategy, endpointsStrategy, eventStrategy, namespaceStrategy, nodeStrategy, pvcStrategy, secretStrategy, serviceAccountStrategy, serviceStrategy,
} from './kinds/core.js';
import { endpointSliceStrategy, eventsV1Strategy, hpaStrategy, ingressStrategy, leaseStrategy, pdbStrategy } from './kinds/other.js';
import { podStrategy } from './kinds/pod.js';

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
  /** Defaulting as Kubernetes does it (mutates): also what admission adds to Pods (service account, priority, not-ready tolerations, status Pending) and canonical quantities. An object with JSON type errors is left alone for validate() to refuse. */
  default(obj: KubeObject): void;
  /** Validation on create (old undefined) or update (incl. immutable fields); returns causes, empty when valid. Values of the wrong JSON type come back alone, as FieldValueTypeInvalid. */
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

/** Every built-in kind, one Strategy each (core, apps, autoscaling, policy, networking, coordination, discovery, events, apiextensions). */
export function builtinStrategies(): Strategy[] {
  return [
    namespaceStrategy(), podStrategy(), serviceStrategy(), endpointsStrategy(), configMapStrategy(), secretStrategy(), nodeStrategy(),
    eventStrategy(), serviceAccountStrategy(), pvcStrategy(),
    deploymentStrategy(), replicaSetStrategy(), daemonSetStrategy(), statefulSetStrategy(),
    hpaStrategy(), pdbStrategy(), ingressStrategy(), leaseStrategy(), endpointSliceStrategy(), eventsV1Strategy(), crdStrategy(),
  ];
}

/** Strategy for a CustomResourceDefinition's version (validation/pruning/defaulting from its openAPIV3Schema, x-kubernetes-* extensions, printer columns, scale/status subresources). `default()` also prunes unknown fields; call `unknownFields()` before it. */
export { customResourceStrategy } from './crd.js';
/** OpenAPI v3 document for one group version (paths with operations carrying x-kubernetes-group-version-kind and x-kubernetes-action, the fieldValidation/dryRun/fieldManager/force parameters, and component schemas with patch extensions). */
export { openapiV3Document } from './openapi.js';
/** Label selectors (`a=b,c in (d),!e`), metav1.LabelSelector objects, field selectors; parse errors are invalid-argument errors. `formatLabelSelector` renders a LabelSelector object as Kubernetes prints it (Scale status.selector, SELECTOR columns). */
export { formatLabelSelector, labelSelectorFromObject, parseFieldSelector, parseLabelSelector } from './selectors.js';
/** The message of a 422 Status: `Pod "x" is invalid: [spec.containers[0].image: Required value, …]`. Each FieldCause.message is the body after the field (`Required value`). */
export { invalidMessage } from './causes.js';
/** kubectl's HumanDuration (`5m10s`, `3d4h`). */
export { humanDuration } from './duration.js';
