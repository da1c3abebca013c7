import { noPatchMeta } from './patch/index.js';
import type { KubeObject, ResourceType, Strategy } from './types/index.js';

/**
 * Small stand-ins for the type system's strategies, for the API server's unit tests: a
 * namespaced ConfigMap, a cluster-scoped Namespace, an apps/v1 Deployment with status,
 * scale and generation, and a Pod. Simple rules, real enough to exercise the REST logic.
 */

function resourceType(t: Partial<ResourceType> & Pick<ResourceType, 'kind' | 'plural'>): ResourceType {
  return {
    group: '',
    version: 'v1',
    listKind: `${t.kind}List`,
    singular: t.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    hasStatus: false,
    usesGeneration: false,
    ...t,
  };
}

function strategy(type: ResourceType, known: string[], extra: Partial<Strategy> = {}): Strategy {
  return {
    type,
    default: () => undefined,
    validate: (obj: KubeObject) => (obj.metadata?.name ? [] : [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]),
    unknownFields: (obj: KubeObject) => Object.keys(obj).filter((k) => !['apiVersion', 'kind', 'metadata', ...known].includes(k)).map((k) => `.${k}`),
    selectableFields: (obj: KubeObject) => ({ 'metadata.name': String(obj.metadata?.name ?? ''), ...(type.namespaced ? { 'metadata.namespace': String(obj.metadata?.namespace ?? '') } : {}) }),
    tableColumns: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
    ],
    tableRow: (obj: KubeObject) => [obj.metadata?.name, '1s'],
    patchMeta: noPatchMeta,
    ...extra,
  };
}

export function fakeStrategies(): Strategy[] {
  return [
    strategy(resourceType({ kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }), ['data', 'binaryData', 'immutable'], {
      validate: (obj, old) => {
        if (!obj.metadata?.name) return [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }];
        if (old?.immutable === true && JSON.stringify(old.data) !== JSON.stringify(obj.data)) return [{ field: 'data', reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' }];
        return [];
      },
    }),
    strategy(resourceType({ kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: ['status', 'finalize'], hasStatus: true }), ['spec', 'status'], {
      default: (obj) => {
        obj.spec ??= {};
        obj.spec.finalizers ??= ['kubernetes'];
        obj.status ??= { phase: 'Active' };
      },
    }),
    strategy(resourceType({ kind: 'Pod', plural: 'pods', subresources: ['status', 'binding', 'eviction', 'log', 'exec'], hasStatus: true }), ['spec', 'status'], {
      default: (obj) => {
        obj.status ??= { phase: 'Pending' };
      },
    }),
    strategy(resourceType({ group: 'apps', kind: 'Deployment', plural: 'deployments', subresources: ['status', 'scale'], hasStatus: true, usesGeneration: true }), ['spec', 'status'], {
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
      default: (obj) => {
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
      },
    }),
    strategy(resourceType({ group: 'policy', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', subresources: ['status'], hasStatus: true, usesGeneration: true }), ['spec', 'status']),
  ];
}
