import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openContent } from '../content/index.js';
import { Snapshotter } from '../layers/index.js';
import type { NetworkManagerOptions } from '../network/index.js';
import { openContainerSide, type ContainerSide } from './container-side.js';
import { LazyContainerService } from './containers/lazy.js';
import type { ContainerService } from './containers/types.js';
import { openBuildCache, type BuildCache } from './build-cache.js';
import { commitContainer, type CommitOptions } from './commit.js';
import { LocalImageService } from './images/service.js';
import type { Distribution, ImageRecord, ImageService } from './images/types.js';
import type { RuntimeChoice } from './runtime-choice.js';
import type { NetworkService } from './networks/service.js';
import { networksAfter } from './networks-after.js';
import { LocalVolumeService, type VolumeService } from './volumes/index.js';
import { volumesAfter } from './volumes-after.js';

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
  /**
   * Open the container side (runtime detection, re-adopting containers) on its first use
   * instead of at once: for a short-lived engine that may only move images (the CLI's
   * local mode). A daemon opens it at once, so restart policies and exits are handled.
   */
  lazyContainers?: boolean;
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

/** The OCI runtime containers run with, and the `--init` binary, as `docker info` reports them. */
export interface RuntimeInfo {
  runtime: RuntimeChoice;
  /** The binary mounted as PID 1 with `--init`, when this host has one. */
  initBinary: string | undefined;
}

/** The engine's one public face: what the API adapters and the cluster agent drive. */
/** The network manager of the engine at `root`: its default bridge, chains and DNS. */
function networkManagerOptions(root: string, n: NetworkOptions): NetworkManagerOptions {
  const tag = instanceTag(root);
  return {
    stateDir: path.join(root, 'network'),
    instance: tag,
    defaultBridge: n.bridgeName ?? (root === DEFAULT_ROOT ? 'berth0' : `berth-${tag}`),
    ...(n.defaultSubnet === undefined ? {} : { defaultSubnet: n.defaultSubnet }),
    dns: n.dns === true,
    ...(n.dnsUpstreams === undefined ? {} : { dnsUpstreams: n.dnsUpstreams }),
  };
}

export interface Engine {
  readonly root: string;
  readonly run: string;
  readonly images: ImageService;
  readonly containers: ContainerService;
  readonly volumes: VolumeService;
  /** The runtime facts (opens the container side of a lazy engine). */
  runtimeInfo(): Promise<RuntimeInfo>;
  /** The builder's step cache (kept in the metadata database). */
  readonly buildCache: BuildCache;
  /** A new image from a container's changes over its image (`docker commit`). */
  commit(container: string, options?: CommitOptions): Promise<ImageRecord>;
  readonly networks: NetworkService;
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
  const volumes = await LocalVolumeService.open(root, content.metadata);
  let side: Promise<ContainerSide> | undefined;
  const openSide = (): Promise<ContainerSide> =>
    (side ??= openContainerSide({
      root,
      run,
      content,
      snapshots,
      images,
      volumes,
      network: networkManagerOptions(root, options.network ?? {}),
      ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
      ...(options.cgroupParent === undefined ? {} : { cgroupParent: options.cgroupParent }),
    }));
  images.setContainerUsage(async (imageId) => (await openSide()).service.imageUsers(imageId));
  let containers: ContainerService;
  try {
    containers = options.lazyContainers ? new LazyContainerService(async () => (await openSide()).service) : (await openSide()).service;
  } catch (err) {
    snapshots.close();
    await content.close();
    throw err;
  }
  const buildCache = openBuildCache(content.metadata);
  return {
    root,
    run,
    images,
    containers,
    networks: options.lazyContainers ? networksAfter(async () => (await openSide()).networks) : (await openSide()).networks,
    volumes: options.lazyContainers ? volumesAfter(volumes, openSide) : volumes,
    runtimeInfo: async () => {
      const { runtime, initBinary } = await openSide();
      return { runtime, initBinary };
    },
    buildCache,
    commit: (container, commitOptions = {}) => commitContainer(images, containers, container, commitOptions),
    close: async () => {
      const opened = await side?.catch(() => undefined);
      opened?.service.close();
      await opened?.network.close();
      snapshots.close();
      await content.close();
    },
  };
}
