import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiServer } from './serve.js';

/**
 * Serves the API in-process on a private socket, for `berth` verbs run with no daemon
 * (as Podman's local mode): the verbs stay plain API clients either way.
 */
export async function startLocalApi(root: string, run: string): Promise<{ socketPath: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-local-'));
  const socketPath = path.join(dir, 'api.sock');
  // Lazy: a verb that only moves images never detects runtimes or re-adopts containers.
  const server = await startApiServer({ root, run, hosts: [`unix://${socketPath}`], lazyContainers: true });
  return {
    socketPath,
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
