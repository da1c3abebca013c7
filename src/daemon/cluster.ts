import { startClusterServer, type ClusterServerOptions } from '../cluster/index.js';

/** `berth server`: serves the cluster API until SIGTERM/SIGINT, then closes cleanly. */
export async function runClusterServer(options: ClusterServerOptions): Promise<number> {
  const server = await startClusterServer(options);
  process.stderr.write(`berth server: listening on ${server.url}, kubeconfig ${server.kubeconfigPath}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  process.stderr.write('berth server: stopped\n');
  return 0;
}

export { kubeconfigFor } from '../cluster/index.js';
