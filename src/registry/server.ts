import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { invalidArgument } from '../lib/index.js';
import type { RegistryAuth } from './auth/access.js';
import { createAuth, type RegistryAuthConfig } from './auth/config.js';
import { registryHandler } from './http.js';
import { openRegistry, type Registry } from './registry.js';

export interface RegistryServerOptions {
  /** Content root: blobs, metadata.db, uploads/. */
  root: string;
  /** `host:port`; port 0 picks a free one. */
  addr: string;
  /** No authentication when absent. */
  auth?: RegistryAuthConfig;
  /** PEM files: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
}

export interface RunningRegistry {
  registry: Registry;
  /** `host:port` actually bound. */
  address: string;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Parses `host:port` or `[v6]:port`. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d+)$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) throw invalidArgument(`invalid address ${JSON.stringify(addr)}: use host:port`);
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] ?? '')), port };
}

function readTls(tls: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  try {
    return { cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) };
  } catch (err) {
    throw invalidArgument(`cannot read TLS certificate or key: ${(err as Error).message}`, err);
  }
}

/** The registry as a request handler for a server that also serves other things (`berth server`). */
export interface RegistryMount {
  registry: Registry;
  /** Whether a request path belongs to the registry: `/v2/…`, and `/token` with token auth. */
  owns(pathname: string): boolean;
  handler: http.RequestListener;
  close(): Promise<void>;
}

export interface RegistryMountOptions {
  root: string;
  /** The URL clients reach the hosting server at (the default token realm is `<url>/token`). */
  url: string;
  auth?: RegistryAuthConfig;
}

/**
 * Opens the registry on `root` for mounting on an existing HTTP server: route the requests
 * `owns` accepts to `handler`, and `close` it after the server stops. The registry keeps its
 * own content store and database under `root`, apart from any engine's.
 */
export async function mountRegistry(options: RegistryMountOptions): Promise<RegistryMount> {
  const registry = await openRegistry(options.root);
  let auth: RegistryAuth | undefined;
  try {
    auth = options.auth ? createAuth(options.auth, options.root, options.url.replace(/\/+$/, '')) : undefined;
  } catch (err) {
    await registry.close();
    throw err;
  }
  const tokenPath = options.auth?.kind === 'token';
  return {
    registry,
    owns: (pathname) => pathname === '/v2' || pathname.startsWith('/v2/') || (tokenPath && pathname === '/token'),
    handler: registryHandler(registry, auth ? { auth } : {}),
    close: () => registry.close(),
  };
}

/** Opens the registry on `root` and serves the distribution API over HTTP, or HTTPS with `tls`. */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(options.addr);
  // Bad flags fail before anything is opened or bound.
  const tls = options.tls ? readTls(options.tls) : undefined;
  const registry = await openRegistry(options.root);
  // The handler needs the bound address (the token realm), so it is made after listen.
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const listener: http.RequestListener = (req, res) => handler(req, res);
  let server: http.Server;
  try {
    server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  } catch (err) {
    await registry.close();
    throw invalidArgument(`invalid TLS certificate or key: ${(err as Error).message}`, err);
  }
  server.keepAliveTimeout = 60_000;
  let url = '';
  let address = '';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    const boundPort = typeof bound === 'object' && bound ? bound.port : port;
    address = `${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    url = `${tls ? 'https' : 'http'}://${address}`;
    const auth: RegistryAuth | undefined = options.auth ? createAuth(options.auth, options.root, url) : undefined;
    handler = registryHandler(registry, auth ? { auth } : {});
  } catch (err) {
    server.close();
    await registry.close();
    throw err;
  }
  return {
    registry,
    address,
    url,
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
