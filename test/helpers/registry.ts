import { spawn, type ChildProcess } from 'node:child_process';
import { berthBin } from './berth.js';

export interface TestRegistry {
  child: ChildProcess;
  /** `127.0.0.1:PORT` */
  addr: string;
  /** `http://127.0.0.1:PORT` or `https://…` with TLS. */
  url: string;
  stop(): Promise<void>;
}

/** Starts `berth registry` (with `extra` flags: auth, TLS) on a free loopback port; `stop` ends it by PID. */
export function startRegistry(root: string, extra: string[] = []): Promise<TestRegistry> {
  const child = spawn(process.execPath, [berthBin, '--root', root, 'registry', '--addr', '127.0.0.1:0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (https?):\/\/(\S+)/.exec(out);
      if (m?.[2]) resolve({ child, addr: m[2], url: `${m[1] ?? 'http'}://${m[2]}`, stop });
    });
    child.on('exit', (code) => reject(new Error(`berth registry exited with ${code}: ${err}`)));
  });
}
