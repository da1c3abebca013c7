import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { tempRoot } from '../helpers/berth.js';
import { startClusterServer, type TestClusterServer } from '../helpers/cluster.js';

/** @kubernetes/client-node against `berth server`: typed CRUD, a raw watch and an informer. */

describe('@kubernetes/client-node against berth server', () => {
  const tmp = tempRoot('bcn-');
  let server: TestClusterServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    server = await startClusterServer(tmp.root);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  after(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  test('CRUD with typed clients, 404 and 409 as ApiExceptions', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'crud' }, data: { a: '1' } } });
    assert.ok(created.metadata?.uid);
    const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'crud' });
    assert.deepEqual(read.data, { a: '1' });
    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'crud', body: read });
    assert.equal(replaced.data?.a, '2');
    await assert.rejects(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'crud', body: read }), (err: k8s.ApiException<string>) => err.code === 409);
    const patched = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'crud', body: { data: { b: '3' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    assert.deepEqual(patched.data, { a: '2', b: '3' });
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(list.items.some((c) => c.metadata?.name === 'crud'));
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'crud' });
    await assert.rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'crud' }), (err: k8s.ApiException<string>) => err.code === 404);

    const deployment = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
    });
    assert.equal(deployment.spec?.replicas, 1);
    const scale = await apps.replaceNamespacedDeploymentScale({ namespace: 'default', name: 'd', body: { metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 3 } } });
    assert.equal(scale.spec?.replicas, 3);
  });

  test('watch delivers ADDED, MODIFIED and DELETED in order', async () => {
    const start = await core.listNamespacedConfigMap({ namespace: 'default' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const controller = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: start.metadata?.resourceVersion ?? '', allowWatchBookmarks: true },
      (type, obj: k8s.V1ConfigMap) => {
        if (type === 'BOOKMARK') return;
        events.push(`${type} ${obj.metadata?.name ?? ''}`);
        if (type === 'DELETED') done();
      },
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'watched', body: { data: { x: 'y' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
      await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`events: ${events.join(', ')}`)), 15000))]);
    } finally {
      controller.abort();
    }
    assert.deepEqual(events, ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
  });

  test('an informer lists, then follows adds, updates and deletes into its cache', async () => {
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' } } });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const seen: string[] = [];
    informer.on('add', (obj) => seen.push(`add ${obj.metadata?.name ?? ''}`));
    informer.on('update', (obj) => seen.push(`update ${obj.metadata?.name ?? ''}`));
    informer.on('delete', (obj) => seen.push(`delete ${obj.metadata?.name ?? ''}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'after' } } });
      await core.patchNamespacedConfigMap({ namespace: 'informed', name: 'before', body: { data: { k: 'v' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'informed', name: 'after' });
      for (let i = 0; i < 150 && !seen.includes('delete after'); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await informer.stop();
    }
    assert.deepEqual(seen, ['add before', 'add after', 'update before', 'delete after']);
    assert.deepEqual(informer.list().map((c) => c.metadata?.name), ['before']);
    assert.equal(informer.get('before', 'informed')?.data?.k, 'v');
  });
});
