/** apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet. */
import { intOrPercent, type Causes } from '../causes.js';
import type { KubeObject, Strategy } from '../index.js';
import { labelSelectorSchema, objectMetaSchema, subdomainName, topLevel, validateLabels } from '../meta.js';
import { podTemplateSpecSchema, pvcSpecSchema } from '../core-schema.js';
import { formatLabelSelector, labelSelectorFromObject } from '../selectors.js';
import { anyValue, int32, int64, intOrString, keyedList, list, obj, type Schema, str, time } from '../schema.js';
import { ageColumn, arr, clone, column, created, deepEqual, ensure, makeStrategy, resourceType, s } from '../strategy.js';
import { labelSelectorCheck, validatePVCSpec } from './core.js';
import { defaultPodSpec, validatePodSpec } from './podspec.js';

const apps = 'io.k8s.api.apps.v1';
const named = (name: string, fields: Record<string, Schema>, required?: string[]): Schema =>
  obj(fields, required ? { name: `${apps}.${name}`, required } : { name: `${apps}.${name}` });
const workloadCondition = (name: string, extra: Record<string, Schema> = {}): Schema =>
  named(name, { type: str(), status: str(), lastTransitionTime: time(), reason: str(), message: str(), ...extra }, ['type', 'status']);
const replicasScale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };

function defaultTemplate(spec: KubeObject): void {
  const template = spec.template;
  if (!template || typeof template !== 'object') return;
  if (template.spec && typeof template.spec === 'object') defaultPodSpec(template.spec);
}

/** Selector and template checks shared by every controller with a pod template. */
function validateSelectorAndTemplate(spec: KubeObject, kindName: string, causes: Causes): void {
  const sel = spec.selector;
  if (!sel || typeof sel !== 'object') causes.required('spec.selector');
  else {
    labelSelectorCheck(sel, 'spec.selector', causes);
    if (Object.keys(sel.matchLabels ?? {}).length === 0 && arr(sel.matchExpressions).length === 0) {
      causes.invalid('spec.selector', sel, `empty selector is invalid for ${kindName}`);
    }
  }
  const template = spec.template;
  if (!template || typeof template !== 'object') return void causes.required('spec.template');
  const labels = (template.metadata?.labels ?? {}) as Record<string, string>;
  validateLabels(labels, 'spec.template.metadata.labels', causes);
  if (sel && typeof sel === 'object') {
    let matches = false;
    try {
      matches = labelSelectorFromObject(sel).matches(labels);
    } catch {
      matches = true; // an invalid selector is reported above
    }
    if (!matches) causes.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  }
  validatePodSpec(template.spec, 'spec.template.spec', causes, { template: true });
  const restartPolicy = template.spec?.restartPolicy;
  if (restartPolicy !== undefined && restartPolicy !== 'Always') {
    causes.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']);
  }
  if (template.spec?.activeDeadlineSeconds !== undefined) causes.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindName} is not Supported`);
}

function nonNegative(spec: KubeObject, fields: string[], causes: Causes): void {
  for (const f of fields) {
    const v = spec[f];
    if (typeof v === 'number' && v < 0) causes.invalid(`spec.${f}`, v, 'must be greater than or equal to 0');
  }
}

const isZero = (v: unknown): boolean => v === 0 || v === '0%';

/** Status counters the controllers write: never negative, and no more ready or available replicas than replicas. */
function validateReplicaStatus(status: KubeObject | undefined, counters: string[], causes: Causes): void {
  if (!status || typeof status !== 'object') return;
  for (const f of [...counters, 'observedGeneration', 'collisionCount']) {
    if (typeof status[f] === 'number' && status[f] < 0) causes.invalid(`status.${f}`, status[f], 'must be greater than or equal to 0');
  }
  const replicas = status.replicas;
  if (typeof replicas !== 'number') return;
  for (const f of ['readyReplicas', 'availableReplicas']) {
    if (counters.includes(f) && typeof status[f] === 'number' && status[f] > replicas) causes.invalid(`status.${f}`, status[f], 'cannot be greater than status.replicas');
  }
  if (typeof status.availableReplicas === 'number' && typeof status.readyReplicas === 'number' && status.availableReplicas > status.readyReplicas) {
    causes.invalid('status.availableReplicas', status.availableReplicas, 'cannot be greater than readyReplicas');
  }
}

function selectorImmutable(obj: KubeObject, old: KubeObject | undefined, causes: Causes): void {
  if (old?.spec?.selector && obj.spec?.selector && !deepEqual(obj.spec.selector, old.spec.selector)) causes.immutable('spec.selector', obj.spec.selector);
}

const containersOf = (obj: KubeObject): KubeObject[] => arr(obj.spec?.template?.spec?.containers);
const containerNames = (obj: KubeObject): string => containersOf(obj).map((c) => s(c.name)).join(',');
const containerImages = (obj: KubeObject): string => containersOf(obj).map((c) => s(c.image)).join(',');
const containersColumn = column('Containers', 'string', 'Names of each container in the template.', 1);
const imagesColumn = column('Images', 'string', 'Images referenced by each container in the template.', 1);
const selectorColumn = column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1);

// ---------------------------------------------------------------- Deployment

const deploymentSchema = topLevel(`${apps}.Deployment`, {
  spec: named('DeploymentSpec', {
    replicas: int32(),
    selector: labelSelectorSchema,
    template: podTemplateSpecSchema,
    strategy: obj({ type: str(), rollingUpdate: named('RollingUpdateDeployment', { maxUnavailable: intOrString(), maxSurge: intOrString() }) }, { name: `${apps}.DeploymentStrategy`, strategy: 'retainKeys' }),
    minReadySeconds: int32(),
    revisionHistoryLimit: int32(),
    paused: { type: 'boolean' },
    progressDeadlineSeconds: int32(),
  }, ['selector', 'template']),
  status: named('DeploymentStatus', {
    observedGeneration: int64(), replicas: int32(), updatedReplicas: int32(), readyReplicas: int32(), availableReplicas: int32(), unavailableReplicas: int32(),
    terminatingReplicas: int32(), conditions: keyedList(workloadCondition('DeploymentCondition', { lastUpdateTime: time() }), 'type'), collisionCount: int32(),
  }),
});

function defaultDeployment(d: KubeObject): void {
  const spec = ensure(d, 'spec');
  spec.replicas ??= 1;
  const strategy = ensure(spec, 'strategy');
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = ensure(strategy, 'rollingUpdate');
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec);
}

function validateDeployment(d: KubeObject, causes: Causes, old?: KubeObject): void {
  const spec = d.spec;
  if (!spec || typeof spec !== 'object') return void causes.required('spec');
  nonNegative(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds'], causes);
  validateSelectorAndTemplate(spec, 'deployment', causes);
  const strategy = spec.strategy ?? {};
  const types = ['Recreate', 'RollingUpdate'];
  if (strategy.type !== undefined && !types.includes(strategy.type)) causes.notSupported('spec.strategy.type', strategy.type, types);
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) causes.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
  const ru = strategy.rollingUpdate;
  if (ru && strategy.type !== 'Recreate') {
    intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', causes);
    intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', causes);
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) causes.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
  }
  if (typeof spec.progressDeadlineSeconds === 'number' && typeof spec.minReadySeconds === 'number' && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    causes.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  }
  selectorImmutable(d, old, causes);
  validateReplicaStatus(d.status, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'], causes);
}

export function deploymentStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], usesGeneration: true }),
    schema: deploymentSchema,
    nameCheck: subdomainName,
    default: defaultDeployment,
    validate: validateDeployment,
    scale: replicasScale,
    printer: {
      columns: [
        column('Ready', 'string', 'Number of the pod with ready state'),
        column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
        column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
        ageColumn, containersColumn, imagesColumn, selectorColumn,
      ],
      cells: (d, now) => [
        `${Number(d.status?.readyReplicas ?? 0)}/${Number(d.spec?.replicas ?? 0)}`, Number(d.status?.updatedReplicas ?? 0), Number(d.status?.availableReplicas ?? 0),
        created(d, now), containerNames(d), containerImages(d), formatLabelSelector(d.spec?.selector),
      ],
    },
  });
}

// ---------------------------------------------------------------- ReplicaSet

const replicaSetSchema = topLevel(`${apps}.ReplicaSet`, {
  spec: named('ReplicaSetSpec', { replicas: int32(), minReadySeconds: int32(), selector: labelSelectorSchema, template: podTemplateSpecSchema }, ['selector']),
  status: named('ReplicaSetStatus', {
    replicas: int32(), fullyLabeledReplicas: int32(), readyReplicas: int32(), availableReplicas: int32(), terminatingReplicas: int32(), observedGeneration: int64(),
    conditions: keyedList(workloadCondition('ReplicaSetCondition'), 'type'),
  }, ['replicas']),
});

export function replicaSetStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], usesGeneration: true }),
    schema: replicaSetSchema,
    nameCheck: subdomainName,
    default(rs) {
      const spec = ensure(rs, 'spec');
      spec.replicas ??= 1;
      defaultTemplate(spec);
    },
    validate(rs, causes, old) {
      const spec = rs.spec;
      if (!spec || typeof spec !== 'object') return void causes.required('spec');
      nonNegative(spec, ['replicas', 'minReadySeconds'], causes);
      validateSelectorAndTemplate(spec, 'replicaset', causes);
      selectorImmutable(rs, old, causes);
      validateReplicaStatus(rs.status, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], causes);
    },
    scale: replicasScale,
    fields: (rs) => ({ 'status.replicas': String(Number(rs.status?.replicas ?? 0)) }),
    printer: {
      columns: [
        column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
        column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
        column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
        ageColumn, containersColumn, imagesColumn, column('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
      ],
      cells: (rs, now) => [
        Number(rs.spec?.replicas ?? 0), Number(rs.status?.replicas ?? 0), Number(rs.status?.readyReplicas ?? 0),
        created(rs, now), containerNames(rs), containerImages(rs), formatLabelSelector(rs.spec?.selector),
      ],
    },
  });
}

// ---------------------------------------------------------------- DaemonSet

const daemonSetSchema = topLevel(`${apps}.DaemonSet`, {
  spec: named('DaemonSetSpec', {
    selector: labelSelectorSchema,
    template: podTemplateSpecSchema,
    updateStrategy: named('DaemonSetUpdateStrategy', { type: str(), rollingUpdate: named('RollingUpdateDaemonSet', { maxUnavailable: intOrString(), maxSurge: intOrString() }) }),
    minReadySeconds: int32(),
    revisionHistoryLimit: int32(),
  }, ['selector', 'template']),
  status: named('DaemonSetStatus', {
    currentNumberScheduled: int32(), numberMisscheduled: int32(), desiredNumberScheduled: int32(), numberReady: int32(), observedGeneration: int64(),
    updatedNumberScheduled: int32(), numberAvailable: int32(), numberUnavailable: int32(), collisionCount: int32(),
    conditions: keyedList(workloadCondition('DaemonSetCondition'), 'type'),
  }),
});

export function daemonSetStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], usesGeneration: true }),
    schema: daemonSetSchema,
    nameCheck: subdomainName,
    default(ds) {
      const spec = ensure(ds, 'spec');
      const us = ensure(spec, 'updateStrategy');
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') {
        const ru = ensure(us, 'rollingUpdate');
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
      defaultTemplate(spec);
    },
    validate(ds, causes, old) {
      const spec = ds.spec;
      if (!spec || typeof spec !== 'object') return void causes.required('spec');
      nonNegative(spec, ['minReadySeconds', 'revisionHistoryLimit'], causes);
      validateSelectorAndTemplate(spec, 'daemonset', causes);
      const us = spec.updateStrategy ?? {};
      const types = ['OnDelete', 'RollingUpdate'];
      if (us.type !== undefined && !types.includes(us.type)) causes.notSupported('spec.updateStrategy.type', us.type, types);
      if (us.rollingUpdate && us.type === 'RollingUpdate') {
        intOrPercent(us.rollingUpdate.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable', causes);
        intOrPercent(us.rollingUpdate.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge', causes);
        if (isZero(us.rollingUpdate.maxUnavailable ?? 0) && isZero(us.rollingUpdate.maxSurge ?? 0)) {
          causes.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', us.rollingUpdate.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0');
        }
      }
      selectorImmutable(ds, old, causes);
    },
    printer: {
      columns: [
        column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
        column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
        column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
        column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
        column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
        column('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
        ageColumn, containersColumn, imagesColumn, column('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
      ],
      cells(ds, now) {
        const st = ds.status ?? {};
        const nodeSelector = (ds.spec?.template?.spec?.nodeSelector ?? {}) as Record<string, string>;
        const keys = Object.keys(nodeSelector).sort();
        return [
          Number(st.desiredNumberScheduled ?? 0), Number(st.currentNumberScheduled ?? 0), Number(st.numberReady ?? 0), Number(st.updatedNumberScheduled ?? 0),
          Number(st.numberAvailable ?? 0), keys.length > 0 ? keys.map((k) => `${k}=${nodeSelector[k]}`).join(',') : '<none>',
          created(ds, now), containerNames(ds), containerImages(ds), formatLabelSelector(ds.spec?.selector),
        ];
      },
    },
  });
}

// ---------------------------------------------------------------- StatefulSet

const statefulSetSchema = topLevel(`${apps}.StatefulSet`, {
  spec: named('StatefulSetSpec', {
    replicas: int32(),
    selector: labelSelectorSchema,
    template: podTemplateSpecSchema,
    volumeClaimTemplates: list(obj({ apiVersion: str(), kind: str(), metadata: objectMetaSchema, spec: pvcSpecSchema, status: anyValue() }, { name: 'io.k8s.api.core.v1.PersistentVolumeClaim' })),
    serviceName: str(),
    podManagementPolicy: str(),
    updateStrategy: named('StatefulSetUpdateStrategy', { type: str(), rollingUpdate: named('RollingUpdateStatefulSetStrategy', { partition: int32(), maxUnavailable: intOrString() }) }),
    revisionHistoryLimit: int32(),
    minReadySeconds: int32(),
    persistentVolumeClaimRetentionPolicy: named('StatefulSetPersistentVolumeClaimRetentionPolicy', { whenDeleted: str(), whenScaled: str() }),
    ordinals: named('StatefulSetOrdinals', { start: int32() }),
  }, ['selector', 'template']),
  status: named('StatefulSetStatus', {
    observedGeneration: int64(), replicas: int32(), readyReplicas: int32(), currentReplicas: int32(), updatedReplicas: int32(), currentRevision: str(),
    updateRevision: str(), collisionCount: int32(), conditions: keyedList(workloadCondition('StatefulSetCondition'), 'type'), availableReplicas: int32(),
  }, ['replicas']),
});

const statefulSetMutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function statefulSetStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], usesGeneration: true }),
    schema: statefulSetSchema,
    nameCheck: subdomainName,
    default(sts) {
      const spec = ensure(sts, 'spec');
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      const us = ensure(spec, 'updateStrategy');
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') ensure(us, 'rollingUpdate').partition ??= 0;
      spec.revisionHistoryLimit ??= 10;
      const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
      retention.whenDeleted ??= 'Retain';
      retention.whenScaled ??= 'Retain';
      for (const vct of arr(spec.volumeClaimTemplates)) {
        ensure(vct, 'spec').volumeMode ??= 'Filesystem';
        ensure(vct, 'status').phase ??= 'Pending';
      }
      defaultTemplate(spec);
    },
    validate(sts, causes, old) {
      const spec = sts.spec;
      if (!spec || typeof spec !== 'object') return void causes.required('spec');
      nonNegative(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit'], causes);
      validateSelectorAndTemplate(spec, 'statefulset', causes);
      validateReplicaStatus(sts.status, ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'], causes);
      const policies = ['OrderedReady', 'Parallel'];
      if (spec.podManagementPolicy !== undefined && !policies.includes(spec.podManagementPolicy)) causes.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, policies);
      const types = ['OnDelete', 'RollingUpdate'];
      const us = spec.updateStrategy ?? {};
      if (us.type !== undefined && !types.includes(us.type)) causes.notSupported('spec.updateStrategy.type', us.type, types);
      if (us.type === 'OnDelete' && us.rollingUpdate) causes.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, 'only allowed for updateStrategy \'RollingUpdate\'');
      if (typeof us.rollingUpdate?.partition === 'number' && us.rollingUpdate.partition < 0) causes.invalid('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate.partition, 'must be greater than or equal to 0');
      if (spec.serviceName) causes.check('spec.serviceName', spec.serviceName, subdomainName(spec.serviceName));
      for (const f of ['whenDeleted', 'whenScaled'] as const) {
        const v = spec.persistentVolumeClaimRetentionPolicy?.[f];
        if (v !== undefined && !['Retain', 'Delete'].includes(v)) causes.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']);
      }
      arr(spec.volumeClaimTemplates).forEach((vct, i) => {
        if (!vct.metadata?.name) causes.required(`spec.volumeClaimTemplates[${i}].metadata.name`);
        validatePVCSpec(vct.spec, `spec.volumeClaimTemplates[${i}].spec`, causes);
      });
      if (old?.spec) {
        const a = clone(spec);
        const b = clone(old.spec);
        for (const f of statefulSetMutable) {
          delete a[f];
          delete b[f];
        }
        if (!deepEqual(a, b)) {
          causes.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
        }
      }
    },
    scale: replicasScale,
    printer: {
      columns: [column('Ready', 'string', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn],
      cells: (sts, now) => [`${Number(sts.status?.readyReplicas ?? 0)}/${Number(sts.spec?.replicas ?? 0)}`, created(sts, now), containerNames(sts), containerImages(sts)],
    },
  });
}
