import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { dockerApi } from '../api/docker/index.js';
import { buildFromArchive, removeStaleBuildDirs } from '../build/index.js';
import { openEngine, type Engine, type NetworkOptions } from '../engine/index.js';
import { failedPrecondition, invalidArgument, isErrno } from '../lib/index.js';
import type { RegistryServerOptions, RunningRegistry } from '../registry/index.js';
import { registryDistribution } from '../registry/client/index.js';
import { berthVersion } from './version.js';

export interface ApiServerOptions {
  root: string;
  /** Runtime state (conmon, runc, exit files); the engine's default `/run/berth` when absent. */
  run?: string;
  /** `unix:///path` or `tcp://127.0.0.1:port` addresses to listen on. */
  hosts: string[];
  /** The OCI runtime (`runc`, the default, or `crun`). */
  runtime?: string;
  /** cgroup parent of the containers (the engine's `/berth` when absent). */
  cgroupParent?: string;
  /** Registries pulled from and pushed to over plain HTTP when HTTPS fails (loopback always is). */
  insecureRegistries?: string[];
  /** Open the engine's container side on first use (see EngineOptions.lazyContainers). */
  lazyContainers?: boolean;
  /**
   * Also serve a registry in this process (`--registry ADDR`). It keeps its own content store
   * and database under its root, apart from the engine's: the two share only the event loop.
   */
  registry?: RegistryServerOptions;
  /** The default bridge's name and subnet, and where the networks' DNS forwards to. */
  network?: Omit<NetworkOptions, 'dns'>;
}

export interface RunningApiServer {
  engine: Engine;
  /** The registry served beside the API, when asked for. */
  registry: RunningRegistry | undefined;
  /** The addresses actually bound (a `tcp://…:0` becomes the chosen port). */
  addresses: string[];
  close(): Promise<void>;
}

/** Opens the engine on `root` and serves the Docker Engine API on every host. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const engine = await openEngine({
    root: options.root,
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
    ...(options.cgroupParent === undefined ? {} : { cgroupParent: options.cgroupParent }),
    ...(options.lazyContainers ? { lazyContainers: true } : {}),
    distribution: registryDistribution(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    // A long-running server: it can answer the networks' DNS.
    network: { ...options.network, dns: true },
  });
  await removeStaleBuildDirs(engine.root).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  const api = dockerApi(
    engine,
    { version: berthVersion(), id: engineId(options.root) },
    { build: (archive, buildOptions, out) => buildFromArchive(engine, archive, buildOptions, out) },
  );
  const servers: http.Server[] = [];
  const sockets: string[] = [];
  const addresses: string[] = [];
  let registry: RunningRegistry | undefined;
  try {
    // The server side of the registry is loaded only when it is served.
    if (options.registry) registry = await (await import('../registry/index.js')).startRegistryServer(options.registry);
    for (const host of options.hosts) {
      const server = http.createServer(api.requestHandler);
      // attach and exec start arrive as `Upgrade: tcp` and are hijacked by the same router.
      server.on('upgrade', api.upgradeHandler);
      server.keepAliveTimeout = 60_000;
      servers.push(server);
      if (host.startsWith('unix://')) {
        const socketPath = host.slice('unix://'.length);
        fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o711 });
        await removeStaleSocket(socketPath);
        await listen(server, { path: socketPath });
        // Root-only, as Docker's socket: whoever can talk to it is root on this machine.
        fs.chmodSync(socketPath, 0o660);
        sockets.push(socketPath);
        addresses.push(host);
      } else {
        const tcp = /^tcp:\/\/([^:]+):(\d+)$/.exec(host);
        if (!tcp) throw invalidArgument(`invalid host ${JSON.stringify(host)}: use unix:///path or tcp://127.0.0.1:port`);
        await listen(server, { host: tcp[1] ?? '127.0.0.1', port: Number(tcp[2]) });
        const address = server.address();
        addresses.push(`tcp://${tcp[1]}:${typeof address === 'object' && address ? address.port : tcp[2]}`);
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s)));
    await registry?.close();
    await engine.close();
    throw err;
  }
  return {
    engine,
    registry,
    addresses,
    async close() {
      const closing = Promise.all(servers.map((s) => closeServer(s)));
      api.closeHijacked();
      await closing;
      for (const socket of sockets) fs.rmSync(socket, { force: true });
      await registry?.close();
      await engine.close();
    },
  };
}

function listen(server: http.Server, options: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** A socket file left by a daemon that died is removed; a live one is not taken over. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  if (!stat.isSocket()) throw failedPrecondition(`${socketPath} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (live) throw failedPrecondition(`another daemon is already listening on ${socketPath}`);
  fs.rmSync(socketPath, { force: true });
}

function engineId(root: string): string {
  const file = path.join(root, 'engine-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(file, id + '\n');
    return id;
  }
}
