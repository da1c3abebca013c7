import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { berthBin } from './berth.js';

export interface TestDaemon {
  socketPath: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts `berth daemon` on a private root and socket; `stop` ends it by PID (SIGTERM). */
export async function startDaemon(dir: string): Promise<TestDaemon> {
  const root = path.join(dir, 'root');
  const run = path.join(dir, 'run');
  const socketPath = path.join(run, 'docker.sock');
  const child = spawn(process.execPath, [berthBin, '--root', root, '--run', run, 'daemon'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(socketPath)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`berth daemon did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    socketPath,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
