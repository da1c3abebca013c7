import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from '../oci/index.js';
import { mountRegistry } from './server.js';

test('mountRegistry serves /v2/ on a server that answers other paths itself', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'berth-mount-'));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mount = await mountRegistry({ root, url });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = new URL(req.url ?? '/', url).pathname;
    if (mount.owns(pathname)) return mount.handler(req, res);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('other');
  });
  t.after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await mount.close();
    await rm(root, { recursive: true, force: true });
  });

  assert.equal(await (await fetch(`${url}/version`)).text(), 'other');
  assert.equal((await fetch(`${url}/v2/`)).status, 200);
  assert.equal(mount.owns('/token'), false, 'without token auth /token is not the registry\'s');
  const blob = Buffer.from('mounted registry blob');
  const digest = digestOf(blob);
  const put = await fetch(`${url}/v2/m/blobs/uploads/?digest=${digest}`, { method: 'POST', body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201);
  assert.deepEqual(Buffer.from(await (await fetch(`${url}/v2/m/blobs/${digest}`)).arrayBuffer()), blob);
});
