import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openContent } from '../content/index.js';
import { Snapshotter } from '../layers/index.js';
import { NetworkManager } from '../network/index.js';
import { detectHost, readLogs, RuntimeDriver } from '../runtime/index.js';
import { findInitBinary, LocalContainerService } from './containers/index.js';
import type { ContainerService } from './containers/index.js';
import { LocalImageService } from './images/service.js';
import type { Distribution, ImageService } from './images/types.js';
import { LocalNetworkService, type NetworkService } from './networks/service.js';
import { chooseRuntime, type RuntimeChoice } from './runtime-choice.js';

export interface EngineOptions {
  /** Where images, containers and metadata live (`/var/lib/berth`). */
  root: string;
  /** Runtime state: conmon pid and exit files, runc's state, sockets (`/run/berth`). */
  run?: string;
  /** cgroup parent of the containers (default `/berth`). */
  cgroupParent?: string;
  /** The OCI runtime, `runc` (default) or `crun`; an unknown or missing one is refused. */
  runtime?: string;
  /** The registry client pull and push use; without one they fail. */
  distribution?: Distribution;
  network?: NetworkOptions;
}

export interface NetworkOptions {
  /** The default network's Linux bridge: `berth0` for the default root, `berth-<tag>` otherwise. */
  bridgeName?: string;
  /** The default network's subnet; a free one from Docker's pools otherwise. */
  defaultSubnet?: string;
  /** Serve DNS on user-defined networks (a long-running daemon; an in-process CLI does not). */
  dns?: boolean;
  /** Where DNS forwards names it does not know; the host's resolvers otherwise. */
  dnsUpstreams?: string[];
}

export const DEFAULT_ROOT = '/var/lib/berth';

/** A short tag for this root: names the daemon's iptables chains and marks its links. */
export function instanceTag(root: string): string {
  return createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 6);
}

/** The engine's one public face: what the API adapters and the cluster agent drive. */
export interface Engine {
  readonly root: string;
  readonly run: string;
  readonly images: ImageService;
  readonly containers: ContainerService;
  readonly networks: NetworkService;
  /** The OCI runtime containers run with, and the others this host has. */
  readonly runtime: RuntimeChoice;
  /** The binary mounted as PID 1 with `--init`, when this host has one. */
  readonly initBinary: string | undefined;
  /** Stops watching containers (they keep running under conmon) and closes the databases. */
  close(): Promise<void>;
}

export const DEFAULT_RUN_DIR = '/run/berth';

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const root = path.resolve(options.root);
  const run = path.resolve(options.run ?? DEFAULT_RUN_DIR);
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  fs.mkdirSync(run, { recursive: true, mode: 0o711 });
  const content = await openContent(root);
  const snapshots = await Snapshotter.open(root);
  const images = new LocalImageService(content, snapshots, options.distribution);
  let containers: LocalContainerService;
  let network: NetworkManager | undefined;
  let runtime: RuntimeChoice;
  let initBinary: string | undefined;
  try {
    const host = await detectHost();
    runtime = chooseRuntime(options.runtime, host);
    const driver = new RuntimeDriver({ runDir: run, runtimeCommand: runtime.command });
    initBinary = await findInitBinary();
    const tag = instanceTag(root);
    const n = options.network ?? {};
    network = await NetworkManager.open({
      stateDir: path.join(root, 'network'),
      instance: tag,
      defaultBridge: n.bridgeName ?? (root === DEFAULT_ROOT ? 'berth0' : `berth-${tag}`),
      ...(n.defaultSubnet === undefined ? {} : { defaultSubnet: n.defaultSubnet }),
      dns: n.dns === true,
      ...(n.dnsUpstreams === undefined ? {} : { dnsUpstreams: n.dnsUpstreams }),
    });
    containers = new LocalContainerService({
      network,
      root,
      metadata: content.metadata,
      images,
      snapshots,
      driver,
      readLogs: (file, o) => readLogs(file, o),
      host,
      ...(options.cgroupParent === undefined ? {} : { cgroupParent: options.cgroupParent }),
      ...(initBinary === undefined ? {} : { initBinary }),
    });
    const service = containers;
    images.setContainerUsage((imageId) => service.imageUsers(imageId));
    await containers.recover();
    const running = await containers.list();
    await network.reconcile(new Set(running.filter((c) => c.state.status === 'running' || c.state.status === 'paused').map((c) => c.id)));
  } catch (err) {
    await network?.close().catch(() => undefined);
    snapshots.close();
    await content.close();
    throw err;
  }
  return {
    root,
    run,
    images,
    containers,
    networks: new LocalNetworkService(network, containers),
    runtime,
    initBinary,
    close: async () => {
      containers.close();
      await network.close();
      snapshots.close();
      await content.close();
    },
  };
}
