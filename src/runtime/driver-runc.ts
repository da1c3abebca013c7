import { execFile } from 'node:child_process';
import { unavailable } from '../lib/index.js';
import { runtimeFailure, runtimeMessages } from './driver-errors.js';

/** `runc state` as the runtime prints it (OCI runtime spec "state"). */
export interface RuncState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
  created?: string;
}

/**
 * The runtime's command line (runc, or crun which speaks the same one), always against
 * our own `--root` so that our containers never mix with the system's.
 */
export class RuncCli {
  constructor(
    readonly path: string,
    readonly root: string,
  ) {}

  /** Global flags, before the subcommand; conmon gets the same through --runtime-arg. */
  globalArgs(): string[] {
    return ['--root', this.root, '--log-format', 'json'];
  }

  /** Runs `runtime <global flags> args…`; a failure becomes an error of the right kind. */
  run(action: string, id: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.path, [...this.globalArgs(), ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err === null) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(unavailable(`OCI runtime ${this.path} not found`, err));
        }
        reject(runtimeFailure(action, id, runtimeMessages(stderr) || err.message));
      });
    });
  }

  async state(id: string): Promise<RuncState> {
    const out = await this.run('state of', id, ['state', id]);
    return JSON.parse(out) as RuncState;
  }

  /** Every container under our root (runc prints `null` when there is none). */
  async list(): Promise<RuncState[]> {
    const out = await this.run('list', '(all)', ['list', '--format', 'json']);
    const parsed = JSON.parse(out.trim() === '' ? 'null' : out) as RuncState[] | null;
    return parsed ?? [];
  }
}
