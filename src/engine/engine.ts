import fs from 'node:fs';
import path from 'node:path';
import { openContent } from '../content/index.js';
import { Snapshotter } from '../layers/index.js';
import { detectHost, readLogs, RuntimeDriver } from '../runtime/index.js';
import { findInitBinary, LocalContainerService } from './containers/index.js';
import type { ContainerService } from './containers/index.js';
import { openBuildCache, type BuildCache } from './build-cache.js';
import { commitContainer, type CommitOptions } from './commit.js';
import { LocalImageService } from './images/service.js';
import type { Distribution, ImageRecord, ImageService } from './images/types.js';
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
}

/** The engine's one public face: what the API adapters and the cluster agent drive. */
export interface Engine {
  readonly root: string;
  readonly run: string;
  readonly images: ImageService;
  readonly containers: ContainerService;
  /** The builder's step cache (kept in the metadata database). */
  readonly buildCache: BuildCache;
  /** The OCI runtime containers run with, and the others this host has. */
  readonly runtime: RuntimeChoice;
  /** The binary mounted as PID 1 with `--init`, when this host has one. */
  readonly initBinary: string | undefined;
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
  let containers: LocalContainerService;
  let runtime: RuntimeChoice;
  let initBinary: string | undefined;
  try {
    const host = await detectHost();
    runtime = chooseRuntime(options.runtime, host);
    const driver = new RuntimeDriver({ runDir: run, runtimeCommand: runtime.command });
    initBinary = await findInitBinary();
    containers = new LocalContainerService({
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
    buildCache,
    commit: (container, commitOptions = {}) => commitContainer(images, containers, container, commitOptions),
    runtime,
    initBinary,
    close: async () => {
      containers.close();
      snapshots.close();
      await content.close();
    },
  };
}
