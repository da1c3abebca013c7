import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeStrategies } from '../../src/cluster/apiserver/fake-strategies.js';
import { startClusterServer, type RunningClusterServer } from '../../src/cluster/index.js';
import { openSqliteStore } from '../../src/cluster/storage/index.js';
import { tempRoot } from '../helpers/berth.js';
import { adminCredentials, kubeRequest, type KubeCredentials } from '../helpers/cluster.js';

/**
 * The API server's REST semantics over HTTPS, with small stand-in strategies (the real
 * built-in types are exercised by the kubectl end-to-end tests).
 */

const cm = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

describe('cluster API server', () => {
  const tmp = tempRoot('bapi-');
  let server: RunningClusterServer;
  let admin: KubeCredentials;
  const req = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => kubeRequest(admin, method, p, body, headers);

  before(async () => {
    server = await startClusterServer({ root: tmp.root, port: 0, strategies: fakeStrategies(), bookmarkIntervalMs: 200 });
    admin = adminCredentials(tmp.root, server.url);
  });
  after(async () => {
    await server?.close();
    tmp.cleanup();
  });

  test('secrets on disk are private and the kubeconfig names the server', () => {
    for (const f of ['kubeconfig.yaml', 'tokens.csv', 'pki/ca.key', 'pki/server.key']) {
      assert.equal(fs.statSync(path.join(tmp.root, f)).mode & 0o777, 0o600, f);
    }
    assert.match(fs.readFileSync(server.kubeconfigPath, 'utf8'), new RegExp(`server: ${server.url}`));
  });

  test('authentication: 401 Status without credentials, health and version open', async () => {
    const res = await kubeRequest({ ...admin, token: undefined }, 'GET', '/api/v1/namespaces');
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    assert.equal((await kubeRequest({ ...admin, token: 'wrong' }, 'GET', '/api')).status, 401);
    assert.equal((await kubeRequest({ ...admin, token: undefined }, 'GET', '/healthz')).text, 'ok');
    const version = await kubeRequest({ ...admin, token: undefined }, 'GET', '/version');
    assert.equal(version.json.minor, '32');
  });

  test('client certificates: a viewer reads but may not write; a node token may not delete namespaces', async () => {
    const { kubeconfigFor } = await import('../../src/cluster/index.js');
    const yaml = await kubeconfigFor(tmp.root, { name: 'alice', groups: ['berth:viewers'] });
    const cert = Buffer.from(/client-certificate-data: (\S+)/.exec(yaml)?.[1] ?? '', 'base64').toString();
    const key = Buffer.from(/client-key-data: (\S+)/.exec(yaml)?.[1] ?? '', 'base64').toString();
    const alice: KubeCredentials = { url: server.url, ca: admin.ca, cert, key };
    assert.equal((await kubeRequest(alice, 'GET', '/api/v1/namespaces/default/configmaps')).status, 200);
    const denied = await kubeRequest(alice, 'POST', '/api/v1/namespaces/default/configmaps', cm('x'));
    assert.equal(denied.status, 403);
    assert.equal(denied.json.reason, 'Forbidden');
    assert.equal(denied.json.message, 'configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"');
    const nodeToken = fs.readFileSync(path.join(tmp.root, 'tokens.csv'), 'utf8').split('\n')[1]?.split(',')[0];
    const node: KubeCredentials = { ...admin, token: nodeToken };
    assert.equal((await kubeRequest(node, 'GET', '/api/v1/pods')).status, 200);
    assert.equal((await kubeRequest(node, 'DELETE', '/api/v1/namespaces/default')).status, 403);
  });

  test('impersonation: admins may act as a viewer, a viewer may not impersonate', async () => {
    const asViewer = await req('POST', '/api/v1/namespaces/default/configmaps', cm('imp'), { 'Impersonate-User': 'carol', 'Impersonate-Group': 'berth:viewers' });
    assert.equal(asViewer.status, 403);
    assert.match(asViewer.json.message, /User "carol" cannot create resource "configmaps"/);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps', undefined, { 'Impersonate-User': 'carol', 'Impersonate-Group': 'berth:viewers' })).status, 200);
    const nodeToken = fs.readFileSync(path.join(tmp.root, 'tokens.csv'), 'utf8').split('\n')[1]?.split(',')[0];
    const escalate = await kubeRequest({ ...admin, token: nodeToken }, 'GET', '/api/v1/namespaces', undefined, { 'Impersonate-User': 'admin', 'Impersonate-Group': 'system:masters' });
    assert.equal(escalate.status, 403);
  });

  test('deletecollection with a label selector; a watch with sendInitialEvents ends its initial events with a bookmark', async () => {
    await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'coll' } });
    for (const [name, team] of [['a', 'x'], ['b', 'x'], ['c', 'y']] as const) await req('POST', '/api/v1/namespaces/coll/configmaps', cm(name, { metadata: { name, labels: { team } } }));
    const deleted = await req('DELETE', '/api/v1/namespaces/coll/configmaps?labelSelector=team%3Dx');
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['a', 'b']);
    const left = await req('GET', '/api/v1/namespaces/coll/configmaps');
    assert.deepEqual(left.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['c']);
    const events = await collectWatch(admin, `/api/v1/namespaces/coll/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1`, async () => undefined);
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[1]?.type, 'BOOKMARK');
    assert.equal(events[1]?.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    const badSelector = await req('GET', '/api/v1/namespaces/coll/configmaps?watch=1&labelSelector=%3D%3D%3D');
    assert.equal(badSelector.status, 400);
  });

  test('create, get, conflicting update, no-op update, delete', async () => {
    const created = await req('POST', '/api/v1/namespaces/default/configmaps', cm('c1'));
    assert.equal(created.status, 201, created.text);
    const meta = created.json.metadata;
    assert.match(meta.uid, /^[0-9a-f-]{36}$/);
    assert.match(meta.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(meta.resourceVersion, /^\d+$/);
    assert.equal(meta.namespace, 'default');
    const again = await req('POST', '/api/v1/namespaces/default/configmaps', cm('c1'));
    assert.equal(again.status, 409);
    assert.deepEqual(again.json.details, { name: 'c1', kind: 'configmaps' });
    assert.equal(again.json.message, 'configmaps "c1" already exists');

    const updated = await req('PUT', '/api/v1/namespaces/default/configmaps/c1', { ...created.json, data: { a: '2' } });
    assert.equal(updated.status, 200, updated.text);
    assert.ok(Number(updated.json.metadata.resourceVersion) > Number(meta.resourceVersion));
    const stale = await req('PUT', '/api/v1/namespaces/default/configmaps/c1', { ...created.json, data: { a: '3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.equal(stale.json.message, 'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again');
    const same = await req('PUT', '/api/v1/namespaces/default/configmaps/c1', updated.json);
    assert.equal(same.json.metadata.resourceVersion, updated.json.metadata.resourceVersion, 'a no-op update writes nothing');

    const got = await req('GET', '/api/v1/namespaces/default/configmaps/c1');
    assert.deepEqual(got.json.data, { a: '2' });
    assert.equal((await req('DELETE', '/api/v1/namespaces/default/configmaps/c1')).status, 200);
    const missing = await req('GET', '/api/v1/namespaces/default/configmaps/c1');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "c1" not found', reason: 'NotFound', details: { name: 'c1', kind: 'configmaps' }, code: 404 });
  });

  test('bad input: invalid JSON, wrong kind or apiVersion, namespace mismatch, 3 MiB bodies, missing namespace, invalid objects', async () => {
    const bad = await req('POST', '/api/v1/namespaces/default/configmaps', '{"kind": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.reason, 'BadRequest');
    const yaml = await req('POST', '/api/v1/namespaces/default/configmaps', 'a: [1', { 'Content-Type': 'application/yaml' });
    assert.equal(yaml.status, 400);
    const kind = await req('POST', '/api/v1/namespaces/default/configmaps', { ...cm('k'), kind: 'Secret' });
    assert.equal(kind.status, 400);
    assert.equal(kind.json.message, 'the kind in the data (Secret) does not match the expected kind (ConfigMap)');
    const version = await req('POST', '/api/v1/namespaces/default/configmaps', { ...cm('k'), apiVersion: 'apps/v1' });
    assert.equal(version.json.message, 'the API version in the data (apps/v1) does not match the expected API version (v1)');
    const ns = await req('POST', '/api/v1/namespaces/default/configmaps', cm('k', { metadata: { name: 'k', namespace: 'other' } }));
    assert.equal(ns.status, 400);
    const huge = await req('POST', '/api/v1/namespaces/default/configmaps', cm('big', { data: { a: 'x'.repeat(3 * 1024 * 1024) } }));
    assert.equal(huge.status, 413);
    assert.equal(huge.json.reason, 'RequestEntityTooLarge');
    const noNs = await req('POST', '/api/v1/namespaces/nowhere/configmaps', cm('k'));
    assert.equal(noNs.status, 404);
    assert.equal(noNs.json.message, 'namespaces "nowhere" not found');
    const invalid = await req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json.reason, 'Invalid');
    assert.deepEqual(invalid.json.details.causes, [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
    assert.equal(invalid.json.details.kind, 'ConfigMap');
    const immutable = await req('POST', '/api/v1/namespaces/default/configmaps', cm('imm', { immutable: true }));
    const changed = await req('PUT', '/api/v1/namespaces/default/configmaps/imm', { ...immutable.json, data: { a: 'changed' } });
    assert.equal(changed.status, 422);
    assert.equal(changed.json.details.causes[0].field, 'data');
    assert.equal((await req('GET', '/api/v1/namespaces/default/nothings')).status, 404);
  });

  test('fieldValidation Strict refuses unknown fields, Warn warns, both never store them; dryRun stores nothing', async () => {
    const strict = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', cm('fv', { bogus: 1 }));
    assert.equal(strict.status, 400);
    assert.equal(strict.json.message, 'strict decoding error: unknown field "bogus"');
    const warn = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', cm('fv', { bogus: 1 }));
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /299 - "unknown field \\"bogus\\""/);
    assert.equal(warn.json.bogus, undefined);
    const dry = await req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    assert.equal(dry.status, 201);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
  });

  test('generateName, generation on spec changes, status only through /status, scale', async () => {
    const gen = await req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.match(gen.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const d = await req('POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 }, status: { replicas: 9 } });
    assert.equal(d.status, 201, d.text);
    assert.equal(d.json.metadata.generation, 1);
    assert.equal(d.json.status, undefined, 'status is dropped on create');
    const withStatus = await req('PUT', '/apis/apps/v1/namespaces/default/deployments/d/status', { ...d.json, status: { replicas: 1 } });
    assert.equal(withStatus.json.status.replicas, 1);
    assert.equal(withStatus.json.metadata.generation, 1, 'status writes do not bump the generation');
    const ignored = await req('PUT', '/apis/apps/v1/namespaces/default/deployments/d', { ...withStatus.json, status: { replicas: 5 }, spec: { replicas: 2 } });
    assert.equal(ignored.json.status.replicas, 1, 'the main resource does not write status');
    assert.equal(ignored.json.metadata.generation, 2);
    const scale = await req('GET', '/apis/apps/v1/namespaces/default/deployments/d/scale');
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(scale.json.spec.replicas, 2);
    const scaled = await req('PATCH', '/apis/apps/v1/namespaces/default/deployments/d/scale', { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(scaled.json.spec.replicas, 4, scaled.text);
    assert.equal((await req('GET', '/apis/apps/v1/namespaces/default/deployments/d')).json.metadata.generation, 3);
  });

  test('patches: json, merge, apply with managedFields and conflicts', async () => {
    await req('POST', '/api/v1/namespaces/default/configmaps', cm('p'));
    const json = await req('PATCH', '/api/v1/namespaces/default/configmaps/p', [{ op: 'add', path: '/data/b', value: '2' }], { 'Content-Type': 'application/json-patch+json' });
    assert.deepEqual(json.json.data, { a: '1', b: '2' });
    const merge = await req('PATCH', '/api/v1/namespaces/default/configmaps/p', { data: { a: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual(merge.json.data, { b: '2' });
    const missing = await req('PATCH', '/api/v1/namespaces/default/configmaps/nope', { data: {} }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(missing.status, 404);
    const applyBody = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: one\n';
    const applied = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=alice', applyBody, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(applied.status, 201, applied.text);
    assert.ok(applied.json.metadata.managedFields.some((e: { manager: string; operation: string }) => e.manager === 'alice' && e.operation === 'Apply'));
    const conflict = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=bob', applyBody.replace('one', 'two'), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(conflict.status, 409, conflict.text);
    assert.equal(conflict.json.reason, 'Conflict');
    assert.match(conflict.json.message, /^Apply failed with 1 conflict: conflict with "alice": \.data\.k/);
    const forced = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=bob&force=true', applyBody.replace('one', 'two'), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(forced.json.data.k, 'two');
    const noManager = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied', applyBody, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(noManager.status, 400);
  });

  test('finalizers hold a deleted object until the last one is removed', async () => {
    const created = await req('POST', '/api/v1/namespaces/default/configmaps', cm('fin', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } }));
    const deleting = await req('DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(deleting.status, 202);
    assert.ok(deleting.json.metadata.deletionTimestamp);
    const held = await req('GET', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(held.status, 200);
    const added = await req('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(added.status, 422, 'no new finalizers while deleting');
    const released = await req('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(released.status, 200, released.text);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/fin')).status, 404);
    void created;
  });

  test('garbage collection: background deletes dependents, orphan keeps them, foreground deletes them first', async () => {
    const owner = async (name: string) => (await req('POST', '/api/v1/namespaces/default/configmaps', cm(name))).json;
    const dependent = async (name: string, o: { metadata: { name: string; uid: string } }) =>
      (await req('POST', '/api/v1/namespaces/default/configmaps', cm(name, { metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name, uid: o.metadata.uid, blockOwnerDeletion: true }] } }))).json;
    const waitGone = async (name: string): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        if ((await req('GET', `/api/v1/namespaces/default/configmaps/${name}`)).status === 404) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`${name} was not collected`);
    };
    const o1 = await owner('o1');
    await dependent('o1-dep', o1);
    await req('DELETE', '/api/v1/namespaces/default/configmaps/o1', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    await waitGone('o1-dep');

    const o2 = await owner('o2');
    await dependent('o2-dep', o2);
    const orphaning = await req('DELETE', '/api/v1/namespaces/default/configmaps/o2?propagationPolicy=Orphan');
    assert.deepEqual(orphaning.json.metadata.finalizers, ['orphan']);
    await waitGone('o2');
    const kept = await req('GET', '/api/v1/namespaces/default/configmaps/o2-dep');
    assert.equal(kept.status, 200);
    assert.equal(kept.json.metadata.ownerReferences, undefined);

    const o3 = await owner('o3');
    await dependent('o3-dep', o3);
    const fg = await req('DELETE', '/api/v1/namespaces/default/configmaps/o3?propagationPolicy=Foreground');
    assert.deepEqual(fg.json.metadata.finalizers, ['foregroundDeletion']);
    await waitGone('o3-dep');
    await waitGone('o3');
  });

  test('namespace deletion is Terminating until its content is gone', async () => {
    assert.equal((await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })).status, 201);
    await req('POST', '/api/v1/namespaces/doomed/configmaps', cm('inside', { metadata: { name: 'inside', finalizers: ['example.com/hold'] } }));
    const del = await req('DELETE', '/api/v1/namespaces/doomed');
    assert.equal(del.json.status.phase, 'Terminating');
    const refused = await req('POST', '/api/v1/namespaces/doomed/configmaps', cm('late'));
    assert.equal(refused.status, 403);
    assert.equal(refused.json.message, 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await req('GET', '/api/v1/namespaces/doomed')).status, 200, 'held by the finalizer inside');
    await req('PATCH', '/api/v1/namespaces/doomed/configmaps/inside', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/doomed')).status !== 404; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await req('GET', '/api/v1/namespaces/doomed')).status, 404);
  });

  test('list pages with limit/continue at one revision; Table and metadata representations', async () => {
    await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paged' } });
    for (let i = 0; i < 5; i++) await req('POST', '/api/v1/namespaces/paged/configmaps', cm(`item-${i}`));
    const first = await req('GET', '/api/v1/namespaces/paged/configmaps?limit=2');
    assert.equal(first.json.items.length, 2);
    assert.ok(first.json.metadata.continue);
    await req('POST', '/api/v1/namespaces/paged/configmaps', cm('item-9'));
    const second = await req('GET', `/api/v1/namespaces/paged/configmaps?limit=2&continue=${first.json.metadata.continue}`);
    const third = await req('GET', `/api/v1/namespaces/paged/configmaps?limit=2&continue=${second.json.metadata.continue}`);
    assert.deepEqual([...first.json.items, ...second.json.items, ...third.json.items].map((o: { metadata: { name: string } }) => o.metadata.name), ['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    assert.equal(third.json.metadata.continue, undefined);
    const all = await req('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dpaged');
    assert.equal(all.json.items.length, 6);
    const table = await req('GET', '/api/v1/namespaces/paged/configmaps?includeObject=Object', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(table.json.kind, 'Table');
    assert.equal(table.json.columnDefinitions[0].name, 'Name');
    assert.equal(table.json.rows.length, 6);
    assert.equal(table.json.rows[0].object.kind, 'ConfigMap');
    const partial = await req('GET', '/api/v1/namespaces/paged/configmaps', undefined, { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    assert.equal(partial.json.kind, 'PartialObjectMetadataList');
  });

  test('discovery: legacy and aggregated', async () => {
    const api = await req('GET', '/api');
    assert.deepEqual(api.json.versions, ['v1']);
    const v1 = await req('GET', '/api/v1');
    assert.ok(v1.json.resources.some((r: { name: string }) => r.name === 'pods/eviction'));
    const groups = await req('GET', '/apis');
    assert.ok(groups.json.groups.some((g: { name: string }) => g.name === 'apps'));
    const aggregated = await req('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.equal(aggregated.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const apps = aggregated.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
    assert.equal(apps.versions[0].resources[0].resource, 'deployments');
    assert.equal((await req('GET', '/apis/apps/v1')).json.groupVersion, 'apps/v1');
  });

  test('binding assigns a pod once; eviction honours a PodDisruptionBudget with 429', async () => {
    const pod = (name: string, ready: boolean) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] }, ...(ready ? {} : {}) });
    await req('POST', '/api/v1/namespaces/default/pods', pod('web-1', true));
    const bind = await req('POST', '/api/v1/namespaces/default/pods/web-1/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-1' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(bind.status, 201, bind.text);
    const bound = await req('GET', '/api/v1/namespaces/default/pods/web-1');
    assert.equal(bound.json.spec.nodeName, 'n1');
    const rebind = await req('POST', '/api/v1/namespaces/default/pods/web-1/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-1' }, target: { kind: 'Node', name: 'n2' } });
    assert.equal(rebind.status, 409);
    await req('PUT', '/api/v1/namespaces/default/pods/web-1/status', { ...bound.json, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await req('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    const evict = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } };
    const refused = await req('POST', '/api/v1/namespaces/default/pods/web-1/eviction', evict);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.reason, 'TooManyRequests');
    assert.equal(refused.json.details.causes[0].reason, 'DisruptionBudget');
    await req('DELETE', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web');
    const allowed = await req('POST', '/api/v1/namespaces/default/pods/web-1/eviction', evict);
    assert.equal(allowed.status, 201, allowed.text);
    const logs = await req('GET', '/api/v1/namespaces/default/pods/web-1/log');
    assert.ok(logs.status === 404 || logs.status === 501);
  });

  test('watch: initial events, changes from a resourceVersion, bookmarks, 410 for compacted history', async () => {
    await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
    const start = await req('POST', '/api/v1/namespaces/watched/configmaps', cm('w1'));
    const rv = start.json.metadata.resourceVersion;
    const events = await collectWatch(admin, `/api/v1/namespaces/watched/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=2`, async () => {
      await req('POST', '/api/v1/namespaces/watched/configmaps', cm('w2'));
      await req('PATCH', '/api/v1/namespaces/watched/configmaps/w2', { data: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
      await req('DELETE', '/api/v1/namespaces/watched/configmaps/w2');
      await new Promise((r) => setTimeout(r, 500));
    });
    const changes = events.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(changes.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w2', 'MODIFIED w2', 'DELETED w2']);
    assert.ok(events.some((e) => e.type === 'BOOKMARK'));
    const legacy = await collectWatch(admin, '/api/v1/watch/namespaces/watched/configmaps?timeoutSeconds=1', async () => undefined);
    assert.deepEqual(legacy.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1']);
  });

  test('restart keeps the CA and certificate; a compacted revision is 410 Expired', async () => {
    const caBefore = fs.readFileSync(path.join(tmp.root, 'pki', 'ca.crt'), 'utf8');
    const current = Number((await req('GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion);
    await server.close();
    const store = await openSqliteStore({ path: path.join(tmp.root, 'cluster', 'state.db'), compaction: false });
    await store.compact(current);
    await store.close();
    server = await startClusterServer({ root: tmp.root, port: 0, strategies: fakeStrategies() });
    admin = adminCredentials(tmp.root, server.url);
    assert.equal(fs.readFileSync(path.join(tmp.root, 'pki', 'ca.crt'), 'utf8'), caBefore);
    const events = await collectWatch(admin, '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2&timeoutSeconds=2', async () => undefined);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object.code, 410);
    assert.equal(events[0]?.object.reason, 'Expired');
    const list = await req('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=2&resourceVersionMatch=Exact');
    assert.equal(list.status, 410);
  });
});

interface WatchLine {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

/** Runs a watch request while `during` acts, and returns the events until the server ends it. */
async function collectWatch(creds: KubeCredentials, urlPath: string, during: () => Promise<void>): Promise<WatchLine[]> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(new URL(urlPath, creds.url), { ca: creds.ca, headers: { Authorization: `Bearer ${creds.token ?? ''}` } }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => (buf += c.toString()));
      res.on('end', () => resolve(buf.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as WatchLine)));
      during().catch(reject);
    });
    req.on('error', reject);
    req.end();
  });
}
