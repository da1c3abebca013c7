import fs from 'node:fs';
import path from 'node:path';
import { openContent } from '../content/index.js';
import { Snapshotter } from '../layers/index.js';
import { openContainerSide, type ContainerSide } from './container-side.js';
import { LazyContainerService } from './containers/lazy.js';
import type { ContainerService } from './containers/types.js';
import { openBuildCache, type BuildCache } from './build-cache.js';
import { commitContainer, type CommitOptions } from './commit.js';
import { LocalImageService } from './images/service.js';
import type { Distribution, ImageRecord, ImageService } from './images/types.js';
import type { RuntimeChoice } from './runtime-choice.js';
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
}

/** The OCI runtime containers run with, and the `--init` binary, as `docker info` reports them. */
export interface RuntimeInfo {
  runtime: RuntimeChoice;
  /** The binary mounted as PID 1 with `--init`, when this host has one. */
  initBinary: string | undefined;
}

/** The engine's one public face: what the API adapters and the cluster agent drive. */
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
      snapshots.close();
      await content.close();
    },
  };
}
