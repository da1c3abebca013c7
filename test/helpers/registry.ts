import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { berthBin } from './berth.js';

export interface TestRegistry {
  child: ChildProcess;
  /** `127.0.0.1:PORT` */
  addr: string;
  /** `http://127.0.0.1:PORT` or `https://…` with TLS. */
  url: string;
  stop(): Promise<void>;
}

/** Starts `berth registry` (with `extra` flags: auth, TLS) on a free loopback port; `stop` ends it by PID. */
export function startRegistry(root: string, extra: string[] = []): Promise<TestRegistry> {
  const child = spawn(process.execPath, [berthBin, '--root', root, 'registry', '--addr', '127.0.0.1:0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (https?):\/\/(\S+)/.exec(out);
      if (m?.[2]) resolve({ child, addr: m[2], url: `${m[1] ?? 'http'}://${m[2]}`, stop });
    });
    child.on('exit', (code) => reject(new Error(`berth registry exited with ${code}: ${err}`)));
  });
}

/** Debian's `docker-registry` package: the distribution project's registry, the reference server. */
const DISTRIBUTION_BIN = '/usr/bin/docker-registry';
export const distributionSkipReason = fs.existsSync(DISTRIBUTION_BIN) ? false : `${DISTRIBUTION_BIN} is absent (apt-get install docker-registry)`;

/** A port the kernel just handed out on loopback; released for the registry to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Distribution {
  addr: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on a free loopback port with its own storage under `dir`; `stop` ends it by PID. */
export async function startDistribution(dir: string): Promise<Distribution> {
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, 'http:', `  addr: ${addr}`, ''].join('\n'),
  );
  const child: ChildProcess = spawn(DISTRIBUTION_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(`http://${addr}/v2/`).then((r) => r.status === 200, () => false);
    if (up) return { addr, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${addr}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
