/*
 * The storage conformance suite against a real etcd (Debian's etcd-server), started on
 * loopback with free ports and a temp data dir, and killed by PID when the file is done.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isUnavailable } from '../../src/lib/index.js';
import { runStorageConformance, take } from '../../src/cluster/storage/conformance.js';
import { openEtcdStore } from '../../src/cluster/storage/etcd.js';

const etcdBin = '/usr/bin/etcd';
const skip = existsSync(etcdBin) ? false : `${etcdBin} not found (apt-get install -y etcd-server)`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${url} not healthy after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let etcd: ChildProcess | undefined;
let dataDir: string | undefined;
let endpoint = '';
let etcdLog = '';

before(async () => {
  if (skip) return;
  dataDir = await mkdtemp(join(tmpdir(), 'berth-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  etcd = spawn(
    etcdBin,
    [
      '--name', 'berth-test',
      '--data-dir', join(dataDir, 'data'),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `berth-test=${peerUrl}`,
      '--logger', 'zap',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  etcd.stderr?.on('data', (chunk: Buffer) => {
    etcdLog = (etcdLog + chunk.toString()).slice(-4000);
  });
  try {
    await waitHealthy(endpoint, etcd, 15_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${etcdLog}`);
  }
});

after(async () => {
  if (etcd?.pid !== undefined && etcd.exitCode === null && etcd.signalCode === null) {
    const exited = new Promise((resolve) => etcd?.once('exit', resolve));
    process.kill(etcd.pid, 'SIGKILL');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

if (skip) {
  test('etcd storage backend', { skip }, () => undefined);
} else {
  runStorageConformance('etcd', async () => ({
    store: await openEtcdStore({ endpoints: [endpoint] }),
    cleanup: async () => undefined,
  }));

  describe('etcd backend failures', () => {
    test('an unreachable etcd is unavailable, not a hang', async () => {
      const store = await openEtcdStore({ endpoints: [`http://127.0.0.1:${await freePort()}`], timeoutMs: 1000 });
      try {
        const began = Date.now();
        await assert.rejects(store.get('/x'), isUnavailable);
        await assert.rejects(store.create('/x', Buffer.from('1')), isUnavailable);
        assert.ok(Date.now() - began < 10_000);
      } finally {
        await store.close();
      }
    });

    test('losing etcd ends open watches with unavailable (runs last: it kills etcd)', async () => {
      const store = await openEtcdStore({ endpoints: [endpoint], timeoutMs: 1000 });
      try {
        const from = await store.currentRevision();
        const w = store.watch({ prefix: '/berth-test/lost/', fromRevision: from });
        await store.create(`/berth-test/lost/${from}`, Buffer.from('1'));
        assert.equal((await take(w, 1)).length, 1);
        const exited = new Promise((resolve) => etcd?.once('exit', resolve));
        process.kill(etcd?.pid ?? 0, 'SIGKILL');
        await exited;
        await assert.rejects(take(w, 1), isUnavailable);
        await assert.rejects(store.get('/berth-test/lost/x'), isUnavailable);
      } finally {
        await store.close();
      }
    });
  });
}
