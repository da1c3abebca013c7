import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isErrno, unavailable } from '../../lib/index.js';
import { openStore, type Store } from '../storage/index.js';
import { adminGroup, TokenFile } from './auth.js';
import { ApiHandler } from './handler.js';
import { Housekeeper } from './housekeeping.js';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
import { ObjectService } from './objects.js';
import { issueClientCertificate, loadOrCreatePki, type ClusterPki } from './pki.js';
import { ResourceRegistry } from './resources.js';
import { ServiceAllocator } from './service-allocator.js';
import { ApiError } from './status.js';
import { builtinStrategies, type Strategy } from './types/index.js';

export interface ClusterServerOptions {
  root: string;
  /** 6443 by default; 0 picks a free port. */
  port?: number;
  bindAddress?: string;
  /** `sqlite://PATH` (default `<root>/cluster/state.db`) or `etcd://host:port[,…]`. */
  datastore?: string;
  /** Extra names and addresses for the serving certificate. */
  tlsSans?: string[];
  bookmarkIntervalMs?: number;
  /** Where Services' cluster IPs come from (default 10.43.0.0/16, as k3s). */
  serviceClusterIpRange?: string;
  /** Node ports of NodePort and LoadBalancer Services (default 30000-32767). */
  serviceNodePortRange?: { min: number; max: number };
  /** The resources served; the type system's built-ins unless a test gives its own. */
  strategies?: Strategy[];
}

export interface RunningClusterServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  pki: ClusterPki;
  close(): Promise<void>;
}

const builtinNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Where the state of a root's cluster lives unless --datastore says otherwise. */
export const defaultDatastore = (root: string): string => `sqlite://${join(root, 'cluster', 'state.db')}`;

/**
 * `berth server`'s API server: opens the store, makes or loads the certificates and
 * tokens, creates the built-in namespaces, writes `<root>/kubeconfig.yaml` and serves
 * HTTPS until closed.
 */
export async function startClusterServer(options: ClusterServerOptions): Promise<RunningClusterServer> {
  const root = options.root;
  await mkdir(join(root, 'cluster'), { recursive: true, mode: 0o700 });
  // The datastore first: a wrong --datastore leaves no certificates or tokens behind.
  const store: Store = await openStore(options.datastore ?? defaultDatastore(root));
  let server: Server | undefined;
  let housekeeper: Housekeeper | undefined;
  try {
    const pki = await loadOrCreatePki(join(root, 'pki'), options.tlsSans ?? []);
    const tokens = await TokenFile.loadOrCreate(root);
    const registry = new ResourceRegistry(options.strategies ?? builtinStrategies());
    const services = new ServiceAllocator(store, options.serviceClusterIpRange ?? '10.43.0.0/16', options.serviceNodePortRange ?? { min: 30000, max: 32767 });
    const objects = new ObjectService(store, services);
    await createBuiltinNamespaces(objects, registry).catch((err: unknown) => {
      throw unavailable(`datastore ${options.datastore ?? defaultDatastore(root)}: ${err instanceof Error ? err.message : String(err)}`, err);
    });
    housekeeper = new Housekeeper(objects, registry, services);
    await housekeeper.start();
    const bindAddress = options.bindAddress ?? '127.0.0.1';
    let port = options.port ?? 6443;
    const handler = new ApiHandler({
      registry,
      objects,
      tokens,
      serverAddress: '',
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      ready: () => store.currentRevision().then(() => true, () => false),
    });
    server = createServer(
      { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      handler.handle,
    );
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(port, bindAddress, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    const host = bindAddress === '0.0.0.0' || bindAddress === '::' ? '127.0.0.1' : bindAddress;
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    handler.setServerAddress(`${host.includes(':') ? `[${host}]` : host}:${port}`);
    const kubeconfigPath = join(root, 'kubeconfig.yaml');
    await writeKubeconfig(kubeconfigPath, kubeconfigYaml(url, pki.ca.cert, { name: 'admin', token: tokens.tokenFor(adminGroup) ?? '' }));
    const running = server;
    const keeper = housekeeper;
    return {
      url,
      port,
      kubeconfigPath,
      pki,
      close: async () => {
        running.closeAllConnections();
        await new Promise<void>((resolve) => running.close(() => resolve()));
        await keeper.close();
        await store.close();
      },
    };
  } catch (err) {
    server?.close();
    await housekeeper?.close();
    await store.close();
    throw err;
  }
}

async function createBuiltinNamespaces(objects: ObjectService, registry: ResourceRegistry): Promise<void> {
  const strategy = registry.lookup('', 'v1', 'namespaces');
  if (!strategy) return;
  for (const name of builtinNamespaces) {
    try {
      await objects.create({ strategy }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false, fieldManager: 'berth-server', fieldValidation: 'Ignore', warnings: [] });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}

/** The kubeconfig a root's server wrote, or one for another user with a client certificate signed by the root's CA. */
export async function kubeconfigFor(root: string, user?: { name: string; groups: string[] }): Promise<string> {
  const path = join(root, 'kubeconfig.yaml');
  if (!user) {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new ApiError(404, 'NotFound', `${path} does not exist: start berth server with this --root first`);
      throw err;
    }
  }
  const pki = await loadOrCreatePki(join(root, 'pki'));
  const existing = await readFile(path, 'utf8').catch(() => '');
  const server = /server: (\S+)/.exec(existing)?.[1] ?? 'https://127.0.0.1:6443';
  const cert = await issueClientCertificate(pki.ca, user.name, user.groups);
  return kubeconfigYaml(server, pki.ca.cert, { name: user.name, clientCertificate: cert.cert, clientKey: cert.key });
}
