import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../index.js';
import { createCauses, lines, strategyFor } from '../test-helpers.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, ns?: string): Record<string, unknown> => ({ name, ...(ns ? { namespace: ns } : {}), creationTimestamp: '2024-05-01T08:00:00Z' });

describe('Namespace', () => {
  const s = strategyFor('', 'Namespace');
  it('is cluster-scoped with Kubernetes discovery facts', () => {
    assert.deepEqual({ ...s.type }, {
      group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', namespaced: false,
      shortNames: ['ns'], categories: [], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status', 'finalize'],
      hasStatus: true, usesGeneration: false,
    });
  });
  it('defaults finalizers, phase and the metadata.name label', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } as KubeObject;
    assert.deepEqual(createCauses(s, ns), []);
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
    assert.deepEqual(s.tableRow({ ...ns, metadata: meta('team-a') }, now), ['team-a', 'Active', '4h']);
    assert.equal(s.selectableFields(ns)['status.phase'], 'Active');
  });
  it('takes DNS-1123 labels as names and refuses a namespace on itself', () => {
    const out = lines(createCauses(s, { metadata: { name: 'a.b', namespace: 'x' } }));
    assert.ok(out.some((l) => /^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label must consist of/.test(l)), out.join('\n'));
    assert.ok(out.includes('metadata.namespace: Forbidden: not allowed on this type'));
    const fin = lines(createCauses(s, { metadata: { name: 'x' }, spec: { finalizers: ['custom'] } }));
    assert.deepEqual(fin, ['spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified']);
  });
});

describe('Service', () => {
  const s = strategyFor('', 'Service');
  const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('web', 'default'), spec });
  it('defaults type, affinity, protocol, targetPort and IP families', () => {
    const obj = svc({ selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] });
    obj.spec.ports[0].name = 'http';
    assert.deepEqual(createCauses(s, obj), []);
    assert.equal(obj.spec.type, 'ClusterIP');
    assert.equal(obj.spec.sessionAffinity, 'None');
    assert.deepEqual(obj.spec.ports[0], { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 });
    assert.equal(obj.spec.ports[1].targetPort, 'dns');
    assert.equal(obj.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(obj.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(obj.spec.ipFamilies, ['IPv4']);
    assert.equal(obj.spec.externalTrafficPolicy, undefined);
    const np = svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    assert.deepEqual(createCauses(s, np), []);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  });
  it('validates names as DNS-1035 labels, ports and types', () => {
    const obj = svc({ type: 'Magic', ports: [{ port: 80 }, { port: 80, nodePort: 30000 }], sessionAffinity: 'Sticky', clusterIP: '10.0.0.300' });
    obj.metadata.name = '1web';
    const out = lines(createCauses(s, obj));
    const expect = [
      /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/,
      /^spec\.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"$/,
      /^spec\.ports\[0\]\.name: Required value$/,
      /^spec\.ports\[1\]: Duplicate value: \{"port":80,"protocol":"TCP"\}$/,
      /^spec\.ports\[1\]\.nodePort: Forbidden: may not be used when `type` is 'Magic'$/,
      /^spec\.sessionAffinity: Unsupported value: "Sticky"/,
      /^spec\.clusterIPs\[0\]: Invalid value: "10\.0\.0\.300": must be a valid IP address/,
    ];
    for (const re of expect) assert.ok(out.some((l) => re.test(l)), `${re} not in\n${out.join('\n')}`);
    assert.deepEqual(lines(createCauses(s, svc({}))), ['spec.ports: Required value']);
    assert.deepEqual(lines(createCauses(s, svc({ ports: [{ port: 80 }], externalIPs: ['1.2.3.4', 'nope'] }))), ['spec.externalIPs[1]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    assert.deepEqual(lines(createCauses(s, svc({ type: 'ExternalName' }))), ['spec.externalName: Required value']);
  });
  it('keeps clusterIP immutable', () => {
    const old = svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    s.default(old);
    const changed = structuredClone(old);
    changed.spec.clusterIP = '10.96.0.11';
    changed.spec.clusterIPs = ['10.96.0.11'];
    assert.deepEqual(lines(s.validate(changed, old)), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
    const kept = structuredClone(old);
    kept.spec.clusterIP = '';
    delete kept.spec.clusterIPs;
    assert.deepEqual(s.validate(kept, old), []);
  });
  it('prints TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR', () => {
    assert.deepEqual(s.tableColumns.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    const obj = svc({ type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'web', tier: 'fe' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] });
    assert.deepEqual(s.tableRow(obj, now), ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '4h', 'app=web,tier=fe']);
    const lb = svc({ type: 'LoadBalancer', clusterIP: '10.96.0.11', ports: [{ port: 443, protocol: 'TCP' }] });
    assert.equal(s.tableRow(lb, now)[3], '<pending>');
    lb.status = { loadBalancer: { ingress: [{ ip: '192.168.1.5' }] } };
    assert.equal(s.tableRow(lb, now)[3], '192.168.1.5');
  });
});

describe('ConfigMap and Secret', () => {
  const cm = strategyFor('', 'ConfigMap');
  const secret = strategyFor('', 'Secret');
  it('validates data keys and counts DATA', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg', 'default'), data: { 'app.conf': 'x', 'bad/key': 'y' }, binaryData: { 'app.conf': 'eA==' } };
    const out = lines(createCauses(cm, obj));
    assert.ok(out.some((l) => /^data\[bad\/key\]: Invalid value: "bad\/key": a valid config key must consist of/.test(l)), out.join('\n'));
    assert.ok(out.includes('binaryData[app.conf]: Invalid value: "app.conf": duplicate of key present in data'));
    assert.deepEqual(cm.tableRow(obj, now), ['cfg', 3, '4h']);
  });
  it('refuses changes to immutable data', () => {
    const old = { metadata: meta('cfg', 'default'), immutable: true, data: { a: '1' } };
    assert.deepEqual(lines(cm.validate({ ...old, data: { a: '2' } }, old)), ['data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(lines(cm.validate({ ...old, immutable: false }, old)), ['immutable: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(cm.validate({ ...old, metadata: { ...old.metadata, labels: { a: 'b' } } }, old), []);
  });
  it('defaults the type, folds stringData into data and checks base64', () => {
    const obj = { apiVersion: 'v1', kind: 'Secret', metadata: meta('s', 'default'), stringData: { password: 'hunter2' }, data: { user: 'YWRtaW4=' } } as KubeObject;
    assert.deepEqual(createCauses(secret, obj), []);
    assert.equal(obj.type, 'Opaque');
    assert.equal(obj.stringData, undefined);
    assert.equal(Buffer.from(obj.data.password, 'base64').toString(), 'hunter2');
    assert.deepEqual(secret.tableRow(obj, now), ['s', 'Opaque', 2, '4h']);
    assert.equal(secret.selectableFields(obj).type, 'Opaque');
    const bad = lines(createCauses(secret, { metadata: meta('s', 'default'), data: { key: 'not base64!' } }));
    assert.deepEqual(bad, ['data[key]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3']);
  });
  it('checks typed secrets and keeps type immutable', () => {
    const tls = lines(createCauses(secret, { metadata: meta('t', 'default'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }));
    assert.deepEqual(tls, ['data[tls.key]: Required value']);
    const old = { metadata: meta('s', 'default'), type: 'Opaque', data: {} };
    assert.deepEqual(lines(secret.validate({ ...old, type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } }, old)), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  });
});

describe('Node, Event, ServiceAccount, Endpoints, PersistentVolumeClaim', () => {
  it('prints nodes with status, roles and versions', () => {
    const s = strategyFor('', 'Node');
    const node = {
      metadata: { ...meta('node-1'), labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
        nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'berth://0.1.0' },
      },
    };
    assert.deepEqual(s.tableRow(node, now), ['node-1', 'Ready,SchedulingDisabled', 'control-plane', '4h', 'v1.32.4', '10.0.0.2', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'berth://0.1.0']);
    assert.equal(s.selectableFields(node)['spec.unschedulable'], 'true');
    assert.equal(s.selectableFields(node)['metadata.namespace'], undefined);
    const out = lines(createCauses(s, { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'Never' }, { effect: 'NoSchedule' }] } }));
    assert.ok(out.includes('spec.taints[0].effect: Unsupported value: "Never": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"'), out.join('\n'));
    assert.ok(out.includes('spec.taints[1].key: Required value'));
  });
  it('prints events without a NAME column', () => {
    const s = strategyFor('', 'Event');
    assert.deepEqual(s.tableColumns.filter((c) => c.priority === 0).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    const ev = {
      metadata: meta('web.17a', 'default'), involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled', message: ' pulled ', type: 'Normal', count: 3, firstTimestamp: '2024-05-01T11:00:00Z', lastTimestamp: '2024-05-01T11:58:00Z',
      source: { component: 'kubelet', host: 'node-1' },
    };
    assert.deepEqual(s.tableRow(ev, now), ['2m', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'pulled', '60m', 3, 'web.17a']);
    assert.equal(s.selectableFields(ev)['involvedObject.name'], 'web');
    assert.deepEqual(lines(createCauses(s, { ...ev, involvedObject: { ...ev.involvedObject, namespace: 'other' } })), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });
  it('prints service accounts, endpoints and claims', () => {
    assert.deepEqual(strategyFor('', 'ServiceAccount').tableRow({ metadata: meta('default', 'ns'), secrets: [{ name: 'x' }] }, now), ['default', 1, '4h']);
    const ep = strategyFor('', 'Endpoints');
    assert.equal(ep.type.singular, 'endpoints');
    const eps = { metadata: meta('web', 'default'), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] };
    assert.deepEqual(ep.tableRow(eps, now), ['web', '10.0.0.1:80,10.0.0.1:443,10.0.0.2:80 + 1 more...', '4h']);
    assert.deepEqual(ep.tableRow({ metadata: meta('none', 'default') }, now)[1], '<none>');
    const pvc = strategyFor('', 'PersistentVolumeClaim');
    const claim = { metadata: meta('data', 'default'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as KubeObject;
    assert.deepEqual(createCauses(pvc, claim), []);
    assert.equal(claim.spec.volumeMode, 'Filesystem');
    assert.deepEqual(pvc.tableRow(claim, now), ['data', 'Pending', '', '', '', '', '<unset>', '4h', 'Filesystem']);
    assert.deepEqual(lines(createCauses(pvc, { metadata: meta('d', 'default'), spec: {} })), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  });
});
