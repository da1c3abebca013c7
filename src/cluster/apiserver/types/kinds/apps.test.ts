import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../index.js';
import { createCauses, deploymentBody, lines, strategyFor } from '../test-helpers.js';

const now = new Date('2024-05-01T12:00:00Z');
const deployments = strategyFor('apps', 'Deployment');

describe('Deployment', () => {
  it('has the discovery facts and scale mapping of apps/v1 deployments', () => {
    assert.equal(deployments.type.plural, 'deployments');
    assert.deepEqual(deployments.type.shortNames, ['deploy']);
    assert.deepEqual(deployments.type.categories, ['all']);
    assert.deepEqual(deployments.type.subresources, ['status', 'scale']);
    assert.equal(deployments.type.hasStatus, true);
    assert.equal(deployments.type.usesGeneration, true);
    assert.deepEqual(deployments.scale, { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' });
  });

  it('defaults replicas, strategy, history, deadline and the pod template', () => {
    const d = deploymentBody();
    assert.deepEqual(createCauses(deployments, d), []);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const pod = d.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.containers[0].imagePullPolicy, 'Always');
    assert.equal(pod.serviceAccountName, undefined, 'admission defaults apply to pods, not templates');
    const recreate = deploymentBody();
    recreate.spec.strategy = { type: 'Recreate' };
    deployments.default(recreate);
    assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  });

  it('requires a selector matching the template labels', () => {
    const d = deploymentBody();
    d.spec.template.metadata.labels = { app: 'other' };
    assert.deepEqual(lines(createCauses(deployments, d)), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`']);
    const none = deploymentBody();
    delete none.spec.selector;
    assert.ok(lines(createCauses(deployments, none)).includes('spec.selector: Required value'));
    const empty = deploymentBody();
    empty.spec.selector = {};
    assert.ok(lines(createCauses(deployments, empty)).includes('spec.selector: Invalid value: {}: empty selector is invalid for deployment'));
  });

  it('accepts set-based selectors and checks their operators and values', () => {
    const d = deploymentBody();
    d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] };
    assert.deepEqual(createCauses(deployments, d), []);
    const bad = deploymentBody();
    bad.spec.selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: [] }, { key: 'x', operator: 'Exists', values: ['y'] }, { key: 'z', operator: 'Near' }] };
    assert.deepEqual(lines(createCauses(deployments, bad)), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist"',
    ]);
  });

  it('validates replicas, strategy and the template spec', () => {
    const d = deploymentBody();
    d.spec.replicas = -1;
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } };
    d.spec.template.spec.restartPolicy = 'Never';
    d.spec.template.spec.containers[0].image = '';
    const out = lines(createCauses(deployments, d));
    assert.deepEqual(out.sort(), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
    const pct = deploymentBody();
    pct.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: '150%' } };
    assert.deepEqual(lines(createCauses(deployments, pct)), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  });

  it('checks the status counters the controller writes', () => {
    const d = deploymentBody();
    deployments.default(d);
    d.status = { replicas: 2, readyReplicas: 3, availableReplicas: 3, observedGeneration: -1 };
    assert.deepEqual(lines(deployments.validate(d)), [
      'status.observedGeneration: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
  });

  it('keeps spec.selector immutable', () => {
    const old = deploymentBody();
    deployments.default(old);
    const next = structuredClone(old);
    next.spec.selector = { matchLabels: { app: 'web', v: '2' } };
    next.spec.template.metadata.labels = { app: 'web', v: '2' };
    assert.deepEqual(lines(deployments.validate(next, old)), ['spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable']);
    const scaled = structuredClone(old);
    scaled.spec.replicas = 5;
    assert.deepEqual(deployments.validate(scaled, old), []);
  });

  it('prints READY UP-TO-DATE AVAILABLE AGE and the wide columns', () => {
    assert.deepEqual(deployments.tableColumns.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Ready:0', 'Up-to-date:0', 'Available:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1']);
    const d = deploymentBody();
    d.metadata.creationTimestamp = '2024-05-01T11:57:00Z';
    d.spec.replicas = 3;
    d.spec.template.spec.containers.push({ name: 'side', image: 'busybox:1.36' });
    d.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    assert.deepEqual(deployments.tableRow(d, now), ['web', '2/3', 3, 2, '3m', 'app,side', 'nginx,busybox:1.36', 'app=web']);
  });
});

describe('ReplicaSet, DaemonSet, StatefulSet', () => {
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } };
  const body = (spec: Record<string, unknown>): KubeObject => ({
    metadata: { name: 'x', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { selector: { matchLabels: { app: 'x' } }, template: structuredClone(template), ...spec },
  });

  it('defaults and prints replica sets', () => {
    const s = strategyFor('apps', 'ReplicaSet');
    const rs = body({});
    assert.deepEqual(createCauses(s, rs), []);
    assert.equal(rs.spec.replicas, 1);
    rs.status = { replicas: 1, readyReplicas: 1 };
    assert.deepEqual(s.tableRow(rs, now), ['x', 1, 1, 1, '60m', 'c', 'img:1', 'app=x']);
    assert.deepEqual(s.type.shortNames, ['rs']);
    assert.ok(s.scale);
  });

  it('defaults daemon sets with RollingUpdate 1/0 and prints the node selector', () => {
    const s = strategyFor('apps', 'DaemonSet');
    const ds = body({});
    ds.spec.template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    assert.deepEqual(createCauses(s, ds), []);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    assert.equal(s.scale, undefined);
    assert.deepEqual(s.tableRow(ds, now).slice(0, 7), ['x', 0, 0, 0, 0, 0, 'kubernetes.io/os=linux']);
    assert.deepEqual(lines(createCauses(s, body({ updateStrategy: { type: 'Sometimes' } }))), ['spec.updateStrategy.type: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"']);
  });

  it('defaults stateful sets and forbids changes outside the mutable fields', () => {
    const s = strategyFor('apps', 'StatefulSet');
    const sts = body({ serviceName: 'x', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] });
    assert.deepEqual(createCauses(s, sts), []);
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    const changed = structuredClone(sts);
    changed.spec.serviceName = 'y';
    assert.match(lines(s.validate(changed, sts)).join('\n'), /^spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
    const scaled = structuredClone(sts);
    scaled.spec.replicas = 3;
    scaled.spec.template.spec.containers[0].image = 'img:2';
    assert.deepEqual(s.validate(scaled, sts), []);
    sts.status = { readyReplicas: 1 };
    assert.deepEqual(s.tableRow(sts, now), ['x', '1/1', '60m', 'c', 'img:1']);
  });
});
