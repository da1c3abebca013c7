import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../index.js';
import { createCauses, lines, strategyFor } from '../test-helpers.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' };

describe('HorizontalPodAutoscaler', () => {
  const s = strategyFor('autoscaling', 'HorizontalPodAutoscaler');
  it('defaults minReplicas and the CPU metric, validates bounds and prints targets', () => {
    const hpa = { metadata: { ...meta }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } } as KubeObject;
    assert.deepEqual(createCauses(s, hpa), []);
    assert.equal(hpa.spec.minReplicas, 1);
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.deepEqual(s.tableRow(hpa, now), ['x', 'Deployment/web', 'cpu: <unknown>/80%', '1', 5, 0, '60m']);
    hpa.status = { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }] };
    assert.equal(s.tableRow(hpa, now)[2], 'cpu: 35%/80%');
    const bad = lines(createCauses(s, { metadata: { ...meta }, spec: { scaleTargetRef: { kind: 'Deployment' }, minReplicas: 3, maxReplicas: 2 } }));
    assert.deepEqual(bad, ['spec.scaleTargetRef.name: Required value', 'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
    assert.deepEqual(s.type.shortNames, ['hpa']);
  });
});

describe('PodDisruptionBudget', () => {
  const s = strategyFor('policy', 'PodDisruptionBudget');
  it('refuses minAvailable with maxUnavailable and prints N/A for the unset one', () => {
    assert.match(lines(createCauses(s, { metadata: { ...meta }, spec: { minAvailable: 1, maxUnavailable: '150%' } })).join('\n'), /minAvailable and maxUnavailable cannot be both set[\s\S]*must not be greater than 100%/);
    const pdb = { metadata: { ...meta }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'x' } } }, status: { disruptionsAllowed: 1 } };
    assert.deepEqual(createCauses(s, pdb), []);
    assert.deepEqual(s.tableRow(pdb, now), ['x', '50%', 'N/A', 1, '60m']);
  });
});

describe('Ingress', () => {
  const s = strategyFor('networking.k8s.io', 'Ingress');
  const rule = (path: Record<string, unknown>): Record<string, unknown> => ({ host: 'web.example.com', http: { paths: [path] } });
  it('validates paths and backends and prints hosts', () => {
    const ing = { metadata: { ...meta }, spec: { ingressClassName: 'berth', rules: [rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } })] } };
    assert.deepEqual(createCauses(s, ing), []);
    assert.deepEqual(s.tableRow(ing, now), ['x', 'berth', 'web.example.com', '', '80', '60m']);
    const bad = lines(createCauses(s, { metadata: { ...meta }, spec: { rules: [rule({ path: 'api', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80, name: 'http' } } } }), { host: '10.0.0.1' }, rule({ backend: { service: { name: 'web', port: { number: 80 } } } })] } }));
    assert.deepEqual(bad, [
      'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
      'spec.rules[0].http.paths[0].backend.service.port: Invalid value: {"number":80,"name":"http"}: cannot set both port name & port number',
      'spec.rules[1].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[2].http.paths[0].pathType: Required value: pathType must be specified',
    ]);
    assert.deepEqual(lines(createCauses(s, { metadata: { ...meta }, spec: {} })), ['spec: Invalid value: "": either `defaultBackend` or `rules` must be specified']);
  });
});

describe('Lease, EndpointSlice, events.k8s.io Event', () => {
  it('validates and prints leases', () => {
    const s = strategyFor('coordination.k8s.io', 'Lease');
    const lease = { metadata: { ...meta }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } };
    assert.deepEqual(createCauses(s, lease), []);
    assert.deepEqual(s.tableRow(lease, now), ['x', 'node-1', '60m']);
    assert.deepEqual(lines(createCauses(s, { metadata: { ...meta }, spec: { leaseDurationSeconds: 0 } })), ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  });
  it('defaults, validates and prints endpoint slices', () => {
    const s = strategyFor('discovery.k8s.io', 'EndpointSlice');
    const slice = { metadata: { ...meta }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }], ports: [{ port: 80 }] } as KubeObject;
    assert.deepEqual(createCauses(s, slice), []);
    assert.deepEqual(slice.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
    assert.deepEqual(s.tableRow(slice, now), ['x', 'IPv4', '80', '10.0.0.1,10.0.0.2', '60m']);
    const bad = lines(createCauses(s, { metadata: { ...meta }, addressType: 'IPv4', endpoints: [{ addresses: ['fe80::1'] }] }));
    assert.deepEqual(bad, ['endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']);
  });
  it('requires the reporting fields of new-style events', () => {
    const s = strategyFor('events.k8s.io', 'Event');
    const out = lines(createCauses(s, { metadata: { ...meta }, eventTime: '2024-05-01T11:00:00.000000Z', type: 'Normal' }));
    assert.deepEqual(out, ['reportingController: Required value', 'reportingInstance: Required value', 'action: Required value', 'reason: Required value']);
    const ev = {
      metadata: { ...meta, name: 'web.1' }, eventTime: '2024-05-01T11:58:00.000000Z', type: 'Warning', reason: 'BackOff', note: 'restarting', action: 'Restart',
      reportingController: 'berth.dev/agent', reportingInstance: 'node-1', regarding: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      series: { count: 4, lastObservedTime: '2024-05-01T11:59:00.000000Z' },
    };
    assert.deepEqual(s.tableColumns.map((c) => c.name), strategyFor('', 'Event').tableColumns.map((c) => c.name));
    assert.deepEqual(s.tableRow(ev, now), ['60s', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'berth.dev/agent, node-1', 'restarting', '2m', 4, 'web.1']);
  });
});
