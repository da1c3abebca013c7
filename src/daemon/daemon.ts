import type { NetworkOptions } from '../engine/index.js';
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
    ...(options.network === undefined ? {} : { network: options.network }),
  });
  process.stderr.write(
    `berth daemon: root ${options.root}, runtime ${server.engine.runtime.name}, listening on ${server.addresses.join(', ')}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  process.stderr.write('berth daemon: stopped\n');
  return 0;
}
