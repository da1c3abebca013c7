import type { NetworkOptions } from '../engine/index.js';
import type { RegistryServerOptions } from '../registry/index.js';
import { startApiServer } from './serve.js';

export interface DaemonOptions {
  root: string;
  run: string;
  hosts: string[];
  /** The OCI runtime (`runc` by default, or `crun`). */
  runtime?: string;
  /** cgroup parent of the containers (default `/berth`). */
  cgroupParent?: string;
  /** Registries that may be reached over plain HTTP when HTTPS fails. */
  insecureRegistries?: string[];
  /** A registry served in the daemon's process (`--registry ADDR`). */
  registry?: RegistryServerOptions;
  /** The default bridge's name and subnet, and where the networks' DNS forwards to. */
  network?: Omit<NetworkOptions, 'dns'>;
}

/** `berth daemon`: serves the engine until SIGTERM/SIGINT, then shuts down cleanly. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const hosts = options.hosts.length ? options.hosts : [`unix://${options.run}/docker.sock`];
  const server = await startApiServer({
    root: options.root,
    run: options.run,
    hosts,
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
    ...(options.cgroupParent === undefined ? {} : { cgroupParent: options.cgroupParent }),
    ...(options.insecureRegistries?.length ? { insecureRegistries: options.insecureRegistries } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.network === undefined ? {} : { network: options.network }),
  });
  const { runtime } = await server.engine.runtimeInfo();
  process.stderr.write(
    `berth daemon: root ${options.root}, runtime ${runtime.name}, listening on ${server.addresses.join(', ')}\n`,
  );
  if (server.registry) process.stderr.write(`berth daemon: registry (root ${options.registry?.root ?? ''}) listening on ${server.registry.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  process.stderr.write('berth daemon: stopped\n');
  return 0;
}
