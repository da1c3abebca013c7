import http from 'node:http';
import { invalidArgument } from '../lib/index.js';
import { registryHandler } from './http.js';
import { openRegistry, type Registry } from './registry.js';

export interface RegistryServerOptions {
  /** Content root: blobs, metadata.db, uploads/. */
  root: string;
  /** `host:port`; port 0 picks a free one. */
  addr: string;
}

export interface RunningRegistry {
  registry: Registry;
  /** `host:port` actually bound. */
  address: string;
  close(): Promise<void>;
}

/** Parses `host:port` or `[v6]:port`. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d+)$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) throw invalidArgument(`invalid address ${JSON.stringify(addr)}: use host:port`);
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] ?? '')), port };
}

/** Opens the registry on `root` and serves the distribution API over plain HTTP. */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(options.addr);
  const registry = await openRegistry(options.root);
  const server = http.createServer(registryHandler(registry));
  server.keepAliveTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await registry.close();
    throw err;
  }
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  return {
    registry,
    address: `${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Give requests in flight a moment, then cut what remains.
      const timer = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
      await registry.close();
    },
  };
}
