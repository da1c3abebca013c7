import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { berthBin, run, type RunResult } from './berth.js';

export interface TestDaemon {
  socketPath: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `berth daemon` on a private root and socket (`<dir>/root`, `<dir>/run`), with
 * `args` after `daemon` (`--runtime crun`, `--cgroup-parent /x`); `stop` ends it by PID
 * (SIGTERM). Starting again on the same dir picks up what the earlier daemon left.
 */
export async function startDaemon(dir: string, args: string[] = []): Promise<TestDaemon> {
  const root = path.join(dir, 'root');
  const run = path.join(dir, 'run');
  const socketPath = path.join(run, 'docker.sock');
  const child = spawn(process.execPath, [berthBin, '--root', root, '--run', run, 'daemon', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(socketPath) || !(await accepts(socketPath))) {
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

/** Whether something listens on the socket (a SIGKILLed daemon leaves its socket file behind). */
function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}

/**
 * The real docker CLI against a test daemon: `docker(args)` runs it (killed after 60 s) with
 * DOCKER_HOST on the daemon's socket and a private DOCKER_CONFIG under `dir`. `daemon` is
 * read at each call, so a test may start the daemon later or restart it.
 */
export function dockerCli(dir: string, daemon: () => TestDaemon | undefined, extraEnv: NodeJS.ProcessEnv = {}): (args: string[]) => Promise<RunResult> {
  return (args) =>
    run('timeout', ['-s', 'KILL', '60', 'docker', ...args], {
      env: { ...process.env, DOCKER_HOST: `unix://${daemon()?.socketPath ?? ''}`, DOCKER_CONFIG: path.join(dir, 'docker-config'), ...extraEnv },
    });
}
