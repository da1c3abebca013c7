import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { unavailable } from '../lib/index.js';
import { runtimeFailure, runtimeMessages } from './driver-errors.js';
import { parseSyncReport, type SyncReport } from './conmon-pipe.js';

/** What conmon needs to create one container (see `conmon --help` of conmon 2.1). */
export interface ConmonCreate {
  conmonPath: string;
  runtimePath: string;
  /** Flags for the runtime before its subcommand, e.g. --root. */
  runtimeArgs: string[];
  id: string;
  name: string;
  bundle: string;
  containerPidFile: string;
  conmonPidFile: string;
  logPath: string;
  logMaxSize?: number;
  exitDir: string;
  socketDir: string;
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen?: boolean;
  logLevel: ConmonLogLevel;
  /** Where conmon's own stdout/stderr go (it is detached from ours). */
  conmonLog: string;
  timeoutMs?: number;
}

export type ConmonLogLevel = 'debug' | 'info' | 'warning' | 'error';

/** conmon's command line for `create`. */
export function conmonCreateArgs(o: ConmonCreate): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.id,
    '-n', o.name,
    '-r', o.runtimePath,
    '-b', o.bundle,
    '--container-pidfile', o.containerPidFile,
    '--conmon-pidfile', o.conmonPidFile,
    '-l', `k8s-file:${o.logPath}`,
    '--exit-dir', o.exitDir,
    '--socket-dir-path', o.socketDir,
    '--log-level', o.logLevel,
    // conmon drops files (`oom`, `exit`) into its persist dir, by default its cwd.
    '--persist-dir', dirname(o.conmonPidFile),
  ];
  for (const arg of o.runtimeArgs) args.push('--runtime-arg', arg);
  if (o.logMaxSize !== undefined && o.logMaxSize > 0) args.push('--log-size-max', String(Math.floor(o.logMaxSize)));
  // With a terminal, stdin reaches the container through the pty; -i is for pipes only.
  if (o.terminal) args.push('-t');
  else if (o.stdin) args.push('-i');
  if (o.leaveStdinOpen) args.push('--leave-stdin-open');
  return args;
}

/**
 * Starts conmon for `create` and waits for its verdict. conmon forks itself into the
 * background (its own session, stdio on `conmonLog`), so it outlives this process; we
 * hand it a sync pipe (`_OCI_SYNCPIPE`, fd 3) on which it reports the container pid
 * or the runtime's error, and a start pipe (`_OCI_STARTPIPE`, fd 4) it waits on before
 * doing anything, which is where a caller could first move it into a cgroup.
 * Resolves with the container's pid; rejects with the runtime's message.
 */
export function createWithConmon(o: ConmonCreate): Promise<number> {
  const log = openSync(o.conmonLog, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  delete env.NOTIFY_SOCKET;
  const child = spawn(o.conmonPath, conmonCreateArgs(o), {
    cwd: dirname(o.conmonPidFile),
    detached: true,
    stdio: ['ignore', log, log, 'pipe', 'pipe'],
    env,
  });
  closeSync(log);
  child.unref();
  const sync = child.stdio[3];
  const start = child.stdio[4] as Writable | null | undefined;
  return new Promise<number>((resolve, reject) => {
    let text = '';
    let settled = false;
    let exitCode: number | null = null;
    const finish = (err: Error | undefined, pid?: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sync?.destroy();
      start?.destroy();
      if (err !== undefined) reject(err);
      else resolve(pid ?? 0);
    };
    const timer = setTimeout(
      () => finish(unavailable(`conmon did not report on container ${o.id} within ${o.timeoutMs ?? 60_000} ms`)),
      o.timeoutMs ?? 60_000,
    );
    child.on('error', (err) => finish(unavailable(`cannot run conmon (${o.conmonPath}): ${err.message}`, err)));
    child.on('exit', (code) => {
      exitCode = code;
    });
    if (sync === null || sync === undefined || start === null || start === undefined) {
      finish(unavailable('conmon pipes were not created'));
      return;
    }
    start.on('error', () => undefined);
    start.write(Buffer.from([0]));
    sync.on('error', () => undefined);
    sync.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      let report: SyncReport;
      try {
        report = parseSyncReport(text.slice(0, nl));
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (report.data > 0) finish(undefined, report.data);
      else finish(runtimeFailure('create', o.id, runtimeMessages(report.message ?? '')));
    });
    sync.on('close', () => {
      if (settled) return;
      const own = readTail(o.conmonLog);
      const status = exitCode === null ? '' : ` (exit status ${exitCode})`;
      finish(runtimeFailure('create', o.id, `conmon exited without a report${status}${own === '' ? '' : `: ${own}`}`));
    });
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('; ');
  } catch {
    return '';
  }
}
