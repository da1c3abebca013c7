import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempRoot } from '../helpers/berth.js';
import { adminCredentials, kubeRequest, startClusterServer } from '../helpers/cluster.js';

test('kill -9 of berth server during a write storm loses no acknowledged write', async (t) => {
  const tmp = tempRoot('bcrash-');
  t.after(() => tmp.cleanup());
  let server = await startClusterServer(tmp.root);
  t.after(() => server.stop('SIGKILL'));
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

  server = await startClusterServer(tmp.root);
  creds = adminCredentials(tmp.root, server.url);
  const list = await kubeRequest(creds, 'GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(list.status, 200);
  const stored = new Set((list.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name));
  const lost = acknowledged.filter((n) => !stored.has(n));
  assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
  assert.ok(stored.size >= acknowledged.length);
  await server.stop();
});
