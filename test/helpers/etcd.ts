import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const etcdBin = '/usr/bin/etcd';
export const etcdMissing = existsSync(etcdBin) ? false : `${etcdBin} not found (apt-get install -y etcd-server)`;

export interface TestEtcd {
  /** `127.0.0.1:PORT`, as `--datastore etcd://…` takes it. */
  hostPort: string;
  stop(): Promise<void>;
}

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

/** Starts Debian's etcd on free loopback ports in a temporary data directory; `stop` kills it by PID and removes the data. */
export async function startEtcd(): Promise<TestEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child: ChildProcess = spawn(
    etcdBin,
    ['--name', 'berth-bench', '--data-dir', join(dataDir, 'data'), '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `berth-bench=${peerUrl}`, '--logger', 'zap', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${log}`);
    try {
      const body = (await (await fetch(`${endpoint}/health`)).json()) as { health?: string };
      if (body.health === 'true') return { hostPort: `127.0.0.1:${client}`, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd not healthy after 15 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
