import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempRoot } from '../helpers/berth.js';
import { adminCredentials, kubectl, kubeRequest, startClusterServer } from '../helpers/cluster.js';
import { etcdMissing, startEtcd } from '../helpers/etcd.js';

/** Creates config maps from 16 writers until `enough` are acknowledged, kills the server with SIGKILL, and checks every acknowledged one after a restart. */
async function writeStormSurvivesKill(extra: string[]): Promise<void> {
  const tmp = tempRoot('bcrash-');
  let server = await startClusterServer(tmp.root, extra);
  try {
    let creds = adminCredentials(tmp.root, server.url);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const res = await kubeRequest(creds, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
          if (res.status === 201) acknowledged.push(name);
        } catch {
          return; // the server died under this request
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 20));
    await server.stop('SIGKILL');
    stop = true;
    await Promise.all(writers);

    server = await startClusterServer(tmp.root, extra);
    creds = adminCredentials(tmp.root, server.url);
    const list = await kubeRequest(creds, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(list.status, 200);
    const stored = new Set((list.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name));
    const lost = acknowledged.filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
    const viaKubectl = await kubectl(server.kubeconfig, `${tmp.dir}/cache`, ['get', 'configmaps', '-o', 'name']);
    assert.equal(viaKubectl.code, 0, viaKubectl.stderr);
    assert.ok(viaKubectl.stdout.split('\n').filter((l) => l.startsWith('configmap/w')).length >= acknowledged.length);
  } finally {
    await server.stop('SIGKILL');
    tmp.cleanup();
  }
}

test('kill -9 of berth server (SQLite) during a write storm loses no acknowledged write', () => writeStormSurvivesKill([]));

test('kill -9 of berth server (etcd) during a write storm loses no acknowledged write', { skip: etcdMissing }, async () => {
  const etcd = await startEtcd();
  try {
    await writeStormSurvivesKill(['--datastore', `etcd://${etcd.hostPort}`]);
  } finally {
    await etcd.stop();
  }
});
