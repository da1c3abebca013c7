import fs from 'node:fs';
import { ApiClient, parseEndpoint } from './client.js';

export interface GlobalOptions {
  root?: string;
  run?: string;
  host?: string;
}

export const defaultRoot = '/var/lib/berth';
export const defaultRun = '/run/berth';

/** What every verb gets: its arguments, output, and a way to reach the API. */
export interface CommandContext {
  args: string[];
  globals: GlobalOptions;
  out: (text: string) => void;
  err: (text: string) => void;
  client(): Promise<ApiClient>;
}

/**
 * Picks the API to talk to: `--host`/BERTH_HOST/DOCKER_HOST-free rules as the issue sets
 * them — an explicit host wins; an explicit `--root` means in-process; otherwise the
 * default daemon socket if a daemon answers there, else in-process on the default root.
 */
export async function connect(globals: GlobalOptions, onClose: (close: () => Promise<void>) => void): Promise<ApiClient> {
  const host = globals.host ?? process.env['BERTH_HOST'];
  if (host) return new ApiClient(parseEndpoint(host));
  if (!globals.root) {
    const socketPath = `${globals.run ?? defaultRun}/docker.sock`;
    if (fs.existsSync(socketPath)) return new ApiClient({ socketPath });
  }
  const { startLocalApi } = await import('../daemon/index.js');
  // A private --root gets its own runtime state too, unless --run says where, so that two
  // roots never share runc's or conmon's state.
  const root = globals.root ?? defaultRoot;
  const run = globals.run ?? (globals.root ? `${globals.root}/run` : defaultRun);
  const local = await startLocalApi(root, run);
  onClose(local.close);
  return new ApiClient({ socketPath: local.socketPath });
}
