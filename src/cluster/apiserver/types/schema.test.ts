import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podBody, strategyFor } from './test-helpers.js';

const pods = strategyFor('', 'Pod');
const deployments = strategyFor('apps', 'Deployment');
const services = strategyFor('', 'Service');

describe('unknownFields (fieldValidation=Strict)', () => {
  it('accepts everything a kubectl user writes in a pod', () => {
    const pod = podBody({
      volumes: [{ name: 'cfg', configMap: { name: 'c', items: [{ key: 'a', path: 'a' }] } }, { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 600 } }] } }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }] } } },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
    });
    Object.assign(pod.spec.containers[0], {
      command: ['sh'], args: ['-c', 'x'], env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'c' } }],
      resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } }, volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X', value: 'y' }] }, initialDelaySeconds: 3 },
      readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { exec: { command: ['true'] } }, lifecycle: { preStop: { sleep: { seconds: 5 } } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
    });
    pod.metadata.annotations = { a: 'b' };
    pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }];
    assert.deepEqual(pods.unknownFields(pod), []);
  });

  it('reports unknown fields with their paths, nested and in lists', () => {
    const pod = podBody({ nodeSelectr: { a: 'b' } });
    pod.spec.containers[0].imagePullPolcy = 'Always';
    pod.spec.containers[0].ports[0].hostIp = '1.2.3.4';
    pod.metadata.lables = {};
    pod.extra = 1;
    assert.deepEqual(pods.unknownFields(pod).sort(), ['.extra', '.metadata.lables', '.spec.containers[0].imagePullPolcy', '.spec.containers[0].ports[0].hostIp', '.spec.nodeSelectr'].sort());
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 1, selector: { matchLabels: {} }, template: { spec: { containers: [{ name: 'a', image: 'b', foo: 1 }] } }, strategy: { type: 'Recreate', bar: 2 } } };
    assert.deepEqual(deployments.unknownFields(d), ['.spec.template.spec.containers[0].foo', '.spec.strategy.bar']);
  });

  it('lets maps hold any key and fields marked free-form keep anything', () => {
    const pod = podBody({ nodeSelector: { 'any/key': 'v' } });
    pod.metadata.managedFields = [{ manager: 'kubectl', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:anything': {} } } }];
    assert.deepEqual(pods.unknownFields(pod), []);
  });
});

describe('patchMeta', () => {
  it('gives the merge keys and strategies of the Kubernetes types', () => {
    const m = pods.patchMeta;
    assert.deepEqual(m.lookup(['spec', 'containers']), { listType: 'map', patchStrategy: 'merge', patchMergeKey: 'name', listMapKeys: ['name'] });
    assert.deepEqual(m.lookup(['spec', 'initContainers'])?.patchMergeKey, 'name');
    assert.deepEqual(m.lookup(['spec', 'ephemeralContainers'])?.patchMergeKey, 'name');
    assert.deepEqual(m.lookup(['spec', 'containers', 'ports']), { listType: 'map', patchStrategy: 'merge', patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'] });
    assert.equal(m.lookup(['spec', 'containers', 'env'])?.patchMergeKey, 'name');
    assert.equal(m.lookup(['spec', 'containers', 'volumeMounts'])?.patchMergeKey, 'mountPath');
    assert.equal(m.lookup(['spec', 'containers', 'volumeDevices'])?.patchMergeKey, 'devicePath');
    assert.deepEqual(m.lookup(['spec', 'volumes']), { listType: 'map', patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listMapKeys: ['name'] });
    assert.equal(m.lookup(['spec', 'imagePullSecrets'])?.patchMergeKey, 'name');
    assert.deepEqual(m.lookup(['spec', 'tolerations']), { listType: 'atomic' });
    assert.deepEqual(m.lookup(['spec', 'containers', 'args']), { listType: 'atomic' });
    assert.deepEqual(m.lookup(['metadata', 'ownerReferences']), { listType: 'map', patchStrategy: 'merge', patchMergeKey: 'uid', listMapKeys: ['uid'] });
    assert.deepEqual(m.lookup(['metadata', 'finalizers']), { listType: 'set', patchStrategy: 'merge' });
    assert.deepEqual(m.lookup(['metadata', 'labels']), { mapType: 'granular' });
    assert.deepEqual(m.lookup(['spec', 'nodeSelector']), { mapType: 'atomic' });
    assert.equal(m.lookup(['status', 'conditions'])?.patchMergeKey, 'type');
    assert.deepEqual(m.lookup(['spec']), { structType: 'granular' });
    assert.equal(m.lookup(['spec', 'nope']), undefined);
    assert.equal(m.lookup(['spec', 'containers', 'image']), undefined);
  });

  it('follows templates and atomic structs', () => {
    const m = deployments.patchMeta;
    assert.equal(m.lookup(['spec', 'template', 'spec', 'containers'])?.patchMergeKey, 'name');
    assert.equal(m.lookup(['spec', 'template', 'spec', 'containers', 'ports'])?.patchMergeKey, 'containerPort');
    assert.deepEqual(m.lookup(['spec', 'selector']), { structType: 'atomic' });
    assert.deepEqual(m.lookup(['spec', 'strategy']), { structType: 'granular', patchStrategy: 'retainKeys' });
    assert.equal(m.lookup(['status', 'conditions'])?.patchMergeKey, 'type');
    assert.deepEqual(strategyFor('', 'Node').patchMeta.lookup(['status', 'addresses']), { listType: 'atomic', patchStrategy: 'merge', patchMergeKey: 'type' });
    assert.deepEqual(pods.patchMeta.lookup(['status', 'podIPs']), { listType: 'atomic', patchStrategy: 'merge', patchMergeKey: 'ip' });
    assert.deepEqual(services.patchMeta.lookup(['spec', 'ports']), { listType: 'map', patchStrategy: 'merge', patchMergeKey: 'port', listMapKeys: ['port', 'protocol'] });
  });
});
