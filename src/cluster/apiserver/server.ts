import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
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
  /** The address pods reach the API server at (the `kubernetes` Service's endpoint); by default the bind address, or this host's first non-loopback IPv4 address when bound to loopback or every address. */
  advertiseAddress?: string;
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
    await publishKubernetesService(objects, registry, services, options.advertiseAddress ?? advertiseAddressFor(bindAddress), port);
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

function advertiseAddressFor(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::' && !bindAddress.startsWith('127.') && bindAddress !== '::1') return bindAddress;
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/**
 * The `default/kubernetes` Service (the range's first cluster IP, port 443) and its
 * Endpoints and EndpointSlice pointing at this server, as every Kubernetes API server
 * publishes itself for pods; refreshed at each start, since the address or port may change.
 */
async function publishKubernetesService(objects: ObjectService, registry: ResourceRegistry, services: ServiceAllocator, address: string, port: number): Promise<void> {
  const opts = { dryRun: false, fieldManager: 'berth-server', fieldValidation: 'Ignore' as const, warnings: [] };
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const svcStrategy = registry.lookup('', 'v1', 'services');
  if (svcStrategy) {
    const scope = { strategy: svcStrategy, namespace: 'default' };
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }];
    const existing = await objects.modify(scope, 'kubernetes', 'berth-server', (svc) => {
      if (svc.spec?.ports?.[0]?.targetPort === port) return false;
      svc.spec.ports = ports;
      return true;
    });
    if (!existing) {
      await objects.create(scope, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', labels }, spec: { type: 'ClusterIP', clusterIP: services.apiServerIp(), ports, sessionAffinity: 'None' } }, opts);
    }
  }
  // Kubernetes refuses loopback endpoints: a host without another address publishes the Service alone.
  if (address.startsWith('127.') || address === '::1') return;
  const endpoints = registry.lookup('', 'v1', 'endpoints');
  if (endpoints) {
    const body = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }] };
    await objects.update({ strategy: endpoints, namespace: 'default' }, 'kubernetes', body, opts);
  }
  const slices = registry.lookup('discovery.k8s.io', 'v1', 'endpointslices');
  if (slices) {
    const body = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'berth-server' } },
      addressType: address.includes(':') ? 'IPv6' : 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    };
    await objects.update({ strategy: slices, namespace: 'default' }, 'kubernetes', body, opts);
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
