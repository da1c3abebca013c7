import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { unavailable } from '../lib/index.js';
import { attachSocket, type AttachSession } from './conmon-attach.js';
import { resizeTerminal } from './conmon-ctl.js';
import { ReportReader } from './conmon-pipe.js';
import type { ConmonLogLevel } from './conmon.js';
import { readExitCode } from './driver-exit.js';
import { runtimeFailure, runtimeMessages } from './driver-errors.js';

/** What conmon needs to run one exec session (`conmon --exec --exec-attach`). */
export interface ConmonExec {
  conmonPath: string;
  runtimePath: string;
  runtimeArgs: string[];
  containerId: string;
  /** Unique per session; names the attach socket link in socketDir. */
  sessionId: string;
  /** The session's own directory: conmon's "bundle" (attach, ctl, winsz), pidfile, exits. */
  sessionDir: string;
  socketDir: string;
  processFile: string;
  terminal: boolean;
  stdin: boolean;
  logLevel: ConmonLogLevel;
  python: string;
}

/** A running exec session under conmon: its I/O through the attach socket. */
export interface ConmonExecSession {
  pid: number;
  attach: AttachSession;
  exit: Promise<number>;
  resize(width: number, height: number): Promise<void>;
}

/**
 * The exec handshake: conmon is started with three pipes. It reads one byte from the
 * start pipe, makes the session's attach socket and says so on the attach pipe; we
 * connect, then a second byte on the start pipe lets it run `runtime exec`. The sync
 * pipe then carries the process's pid (or the runtime's error), and later its exit code.
 */
export async function execWithConmon(o: ConmonExec): Promise<ConmonExecSession> {
  const exitDir = path.join(o.sessionDir, 'exits');
  const conmonLog = path.join(o.sessionDir, 'conmon.log');
  const args = [
    '--api-version', '1',
    '-c', o.containerId,
    '-u', o.sessionId,
    '-r', o.runtimePath,
    '-b', o.sessionDir,
    '-p', path.join(o.sessionDir, 'pid'),
    '-l', 'none',
    '--exit-dir', exitDir,
    '--socket-dir-path', o.socketDir,
    '--log-level', o.logLevel,
    '-e', '--exec-attach', '--exec-process-spec', o.processFile,
    '--persist-dir', o.sessionDir,
  ];
  for (const arg of o.runtimeArgs) args.push('--runtime-arg', arg);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  await mkdir(exitDir, { recursive: true });
  const log = openSync(conmonLog, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' };
  delete env.NOTIFY_SOCKET;
  const child = spawn(o.conmonPath, args, { cwd: o.sessionDir, detached: true, stdio: ['ignore', log, log, 'pipe', 'pipe', 'pipe'], env });
  closeSync(log);
  child.unref();
  const stdio = child.stdio as unknown as Array<Readable | Writable | null>;
  const [sync, start, ready] = [stdio[3] as Readable, stdio[4] as Writable, stdio[5] as Readable];
  start.on('error', () => undefined);
  const syncReports = new ReportReader(sync);
  const readyReports = new ReportReader(ready);
  const spawnError = new Promise<never>((_resolve, reject) =>
    child.on('error', (err) => reject(unavailable(`cannot run conmon (${o.conmonPath}): ${err.message}`, err))),
  );
  const failed = (report: { message?: string } | undefined): Error =>
    runtimeFailure('exec in', o.containerId, runtimeMessages(report?.message ?? 'conmon ended the exec without a report'));
  let attach: AttachSession | undefined;
  try {
    start.write(Buffer.from([0]));
    const socketReady = await Promise.race([readyReports.next(), spawnError]);
    if (socketReady === undefined || socketReady.data < 0) throw failed(socketReady);
    attach = await attachSocket(path.join(o.socketDir, o.sessionId, 'attach'), o.python);
    start.write(Buffer.from([0]));
    const started = await syncReports.next();
    if (started === undefined || started.data <= 0) throw failed(started);
    const exit = (async (): Promise<number> => {
      const report = await syncReports.next();
      for (const stream of [sync, start, ready]) stream.destroy();
      if (report !== undefined && report.data >= 0 && report.message === undefined) return report.data;
      const recorded = await readExitCode(path.join(exitDir, o.containerId)).catch(() => undefined);
      if (recorded !== undefined) return recorded;
      if (report !== undefined && report.message !== undefined) throw failed(report);
      throw unavailable(`the exit code of exec session ${o.sessionId} is lost`);
    })();
    exit.catch(() => undefined);
    return { pid: started.data, attach, exit, resize: (w, h) => resizeTerminal(o.sessionDir, w, h) };
  } catch (err) {
    attach?.detach();
    for (const stream of [sync, start, ready]) stream.destroy();
    await rm(path.join(o.socketDir, o.sessionId), { force: true });
    throw err;
  }
}

/** The output of an attach session split into a stdout and a stderr stream. */
export function splitOutput(attach: AttachSession): { stdout: Readable; stderr: Readable } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  void (async () => {
    for await (const chunk of attach.output) (chunk.stream === 'stderr' ? stderr : stdout).write(chunk.data);
    stdout.end();
    stderr.end();
  })();
  return { stdout, stderr };
}
