import { applyJsonPatch, applyMergePatch } from './patch/index.js';
import { clone, getPath, setPath, timestamp } from './object-meta.js';
import type { ObjectService, PatchType, Scope, WriteOptions, WriteResult } from './objects.js';
import type { ResourceRegistry } from './resources.js';
import { ApiError, badRequest, conflictError, invalidError, notFoundError } from './status.js';
import { labelSelectorFromObject, type KubeObject, type Strategy } from './types/index.js';

/**
 * The subresources that are views or actions rather than parts of the object: scale,
 * binding and eviction. status is handled by ObjectService itself.
 */

type ScaleMapping = NonNullable<Strategy['scale']>;

function scaleMapping(s: Strategy): ScaleMapping {
  if (!s.scale) throw notFoundErrorFor(s, 'scale');
  return s.scale;
}

const notFoundErrorFor = (s: Strategy, sub: string): ApiError => new ApiError(404, 'NotFound', `the server could not find the requested resource (${s.type.plural}/${sub})`);

/** The autoscaling/v1 Scale of an object. */
export function scaleOf(s: Strategy, obj: KubeObject): KubeObject {
  const m = scaleMapping(s);
  const selector = m.labelSelectorPath ? getPath(obj, m.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, m.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(getPath(obj, m.statusReplicasPath) ?? 0),
      ...(selector !== undefined ? { selector: selectorString(selector) } : {}),
    },
  };
}

/** A selector as a string: CRDs keep it as one already, built-ins as a LabelSelector object. */
function selectorString(selector: unknown): string {
  if (typeof selector === 'string') return selector;
  if (typeof selector !== 'object' || selector === null) return '';
  const sel = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export async function getScale(objects: ObjectService, scope: Scope, name: string): Promise<KubeObject> {
  return scaleOf(scope.strategy, await objects.get(scope, name));
}

/** PUT or PATCH of a Scale: only spec.replicas reaches the object. */
export async function writeScale(objects: ObjectService, scope: Scope, name: string, change: { body: KubeObject } | { type: PatchType; patch: unknown }, opts: WriteOptions): Promise<KubeObject> {
  const s = scope.strategy;
  const m = scaleMapping(s);
  const current = await objects.get(scope, name);
  const scale = scaleOf(s, current);
  let next: KubeObject;
  if ('body' in change) {
    next = change.body;
    if (next.kind !== undefined && next.kind !== 'Scale') throw badRequest(`the kind in the data (${String(next.kind)}) does not match the expected kind (Scale)`);
  } else if (change.type === 'json') next = applyJsonPatch(scale, change.patch) as KubeObject;
  else if (change.type === 'merge' || change.type === 'strategic') next = applyMergePatch(scale, change.patch) as KubeObject;
  else throw new ApiError(415, 'UnsupportedMediaType', 'apply patches are not supported on the scale subresource');
  const replicas = next.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalidError('Scale', 'autoscaling', name, [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  }
  const rv = next.metadata?.resourceVersion;
  if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) throw conflictError(s.type, name);
  const updated = clone(current);
  setPath(updated, m.specReplicasPath, replicas);
  const result: WriteResult = await objects.update(scope, name, updated, { ...opts, fieldValidation: 'Ignore' });
  return scaleOf(s, result.object);
}

/** POST pods/<name>/binding: assigns an unbound pod to a node. */
export async function bindPod(objects: ObjectService, scope: Scope, name: string, binding: KubeObject, opts: WriteOptions): Promise<void> {
  const node = binding.target?.name;
  if (typeof node !== 'string' || node === '') {
    throw invalidError('Binding', '', name, [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }]);
  }
  if (binding.target?.kind !== undefined && binding.target.kind !== 'Node' && binding.target.kind !== '') {
    throw invalidError('Binding', '', name, [{ field: 'target.kind', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(binding.target.kind)}: supported values: "Node"` }]);
  }
  const pod = await objects.get(scope, name);
  if (opts.dryRun) return;
  let refusal: ApiError | undefined;
  const bound = await objects.modify(scope, name, opts.fieldManager, (next) => {
    if (next.metadata.deletionTimestamp !== undefined) refusal = conflictError(scope.strategy.type, name, 'pod is being deleted, cannot be assigned to a host');
    else if (next.spec?.nodeName) refusal = conflictError(scope.strategy.type, name, `pod ${name} is already assigned to node "${String(next.spec.nodeName)}"`);
    else if (binding.metadata?.uid && binding.metadata.uid !== next.metadata.uid) refusal = conflictError(scope.strategy.type, name, 'Precondition failed: UID in precondition does not match the pod');
    if (refusal) return false;
    (next.spec ??= {}).nodeName = node;
    const status = (next.status ??= {});
    const conditions = ((status.conditions ?? []) as KubeObject[]).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(new Date()) });
    status.conditions = conditions;
    return true;
  });
  if (refusal) throw refusal;
  if (!bound) throw notFoundError(scope.strategy.type, String(pod.metadata.name));
}

function isReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  return ((pod.status?.conditions ?? []) as KubeObject[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** An IntOrString of a PodDisruptionBudget (`2` or `"50%"`) against a total. */
function resolveCount(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(String(value));
  if (!m) return Number(value);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * POST pods/<name>/eviction: deletes the pod unless a PodDisruptionBudget forbids it (429).
 * Until the disruption controller exists, the budget is computed here from the pods it
 * selects: healthy = Ready and not being deleted.
 */
export async function evictPod(objects: ObjectService, registry: ResourceRegistry, scope: Scope, name: string, eviction: KubeObject, opts: WriteOptions): Promise<void> {
  const pod = await objects.get(scope, name);
  const phase = pod.status?.phase;
  const pdbStrategy = registry.lookup('policy', 'v1', 'poddisruptionbudgets');
  if (pdbStrategy && phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined) {
    const pdbScope: Scope = { strategy: pdbStrategy, namespace: scope.namespace ?? '' };
    const budgets = (await objects.list(pdbScope, {})).items.filter((pdb) => pdb.spec?.selector && labelSelectorFromObject(pdb.spec.selector).matches(pod.metadata.labels));
    if (budgets.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = budgets[0];
    if (pdb) {
      const selector = labelSelectorFromObject(pdb.spec.selector);
      const pods = (await objects.list(scope, {})).items.filter((p) => selector.matches(p.metadata.labels) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      const expected = pods.length;
      const healthy = pods.filter(isReady).length;
      const desired = pdb.spec.minAvailable !== undefined ? resolveCount(pdb.spec.minAvailable, expected, true) : expected - resolveCount(pdb.spec.maxUnavailable ?? 0, expected, true);
      const podHealthy = isReady(pod);
      const allowed = podHealthy ? healthy - desired > 0 : healthy >= desired;
      if (!allowed) {
        throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${String(pdb.metadata.name)} needs ${desired} healthy pods and has ${healthy} currently`, field: '' }],
        });
      }
    }
  }
  const deleteOptions = (eviction.deleteOptions ?? {}) as KubeObject;
  try {
    await objects.delete(scope, name, {
      ...(typeof deleteOptions.gracePeriodSeconds === 'number' ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds } : {}),
      ...(deleteOptions.preconditions ? { preconditions: deleteOptions.preconditions } : {}),
    }, opts);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFoundError(scope.strategy.type, name);
    throw err;
  }
}
