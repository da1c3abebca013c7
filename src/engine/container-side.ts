import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../layers/index.js';
import type { NetworkManager, NetworkManagerOptions } from '../network/index.js';
import type { ContainerService } from './containers/types.js';
import type { LocalImageService } from './images/service.js';
import type { NetworkService } from './networks/service.js';
import type { RuntimeChoice } from './runtime-choice.js';
import type { LocalVolumeService } from './volumes/index.js';

/** The engine's container half: the service, and the runtime facts `docker info` reports. */
export interface ContainerSide {
  service: ContainerService & { imageUsers(imageId: string): Array<{ id: string; running: boolean }>; close(): void };
  runtime: RuntimeChoice;
  initBinary: string | undefined;
  network: NetworkManager;
  networks: NetworkService;
}

export interface ContainerSideOptions {
  root: string;
  run: string;
  content: ContentStore;
  snapshots: Snapshotter;
  images: LocalImageService;
  volumes: LocalVolumeService;
  network: NetworkManagerOptions;
  runtime?: string;
  cgroupParent?: string;
}

/**
 * Detects the host and its runtimes, opens the container service and re-adopts what an
 * earlier engine left running. The runtime and container modules are imported here, so an
 * engine that only moves images (a `berth pull` without a daemon) never loads them.
 */
export async function openContainerSide(o: ContainerSideOptions): Promise<ContainerSide> {
  const [{ detectHost, readLogs, RuntimeDriver }, { findInitBinary, LocalContainerService }, { chooseRuntime }, { NetworkManager }, { LocalNetworkService }] =
    await Promise.all([
      import('../runtime/index.js'),
      import('./containers/index.js'),
      import('./runtime-choice.js'),
      import('../network/index.js'),
      import('./networks/service.js'),
    ]);
  const host = await detectHost();
  const runtime = chooseRuntime(o.runtime, host);
  const driver = new RuntimeDriver({ runDir: o.run, runtimeCommand: runtime.command });
  const initBinary = await findInitBinary();
  const network = await NetworkManager.open(o.network);
  try {
  const service = new LocalContainerService({
    network,
    root: o.root,
    metadata: o.content.metadata,
    images: o.images,
    snapshots: o.snapshots,
    driver,
    readLogs: (file, options) => readLogs(file, options),
    host,
    volumes: o.volumes,
    ...(o.cgroupParent === undefined ? {} : { cgroupParent: o.cgroupParent }),
    ...(initBinary === undefined ? {} : { initBinary }),
  });
  o.volumes.setContainerUsers(() => service.volumeUsers());
  await service.recover();
  const running = await service.list();
  await network.reconcile(new Set(running.filter((c) => c.state.status === 'running' || c.state.status === 'paused').map((c) => c.id)));
  return { service, runtime, initBinary, network, networks: new LocalNetworkService(network, service) };
  } catch (err) {
    await network.close().catch(() => undefined);
    throw err;
  }
}
