import { startApiServer } from './serve.js';

export interface DaemonOptions {
  root: string;
  run: string;
  hosts: string[];
}

/** `berth daemon`: serves the engine until SIGTERM/SIGINT, then shuts down cleanly. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const hosts = options.hosts.length ? options.hosts : [`unix://${options.run}/docker.sock`];
  const server = await startApiServer({ root: options.root, run: options.run, hosts });
  process.stderr.write(`berth daemon: root ${options.root}, listening on ${server.addresses.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  process.stderr.write('berth daemon: stopped\n');
  return 0;
}
