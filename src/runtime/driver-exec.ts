import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { invalidArgument } from '../lib/index.js';
import { runtimeFailure, runtimeMessages } from './driver-errors.js';
import { execWithConmon, splitOutput } from './conmon-exec.js';
import type { ConmonLogLevel } from './conmon.js';
import type { RuncCli } from './driver-runc.js';

/** An OCI "process" object (config.json's `process`) for exec; args are required. */
export interface ExecProcess {
  args: string[];
  env?: string[];
  cwd?: string;
  terminal?: boolean;
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  [field: string]: unknown;
}

export interface ExecOptions {
  terminal: boolean;
  /** With a terminal: whether stdin reaches the process (without one it always does). */
  stdin?: boolean;
}

/** What an exec needs from the driver. */
export interface ExecContext {
  runc: RuncCli;
  conmonPath: string;
  python: string;
  logLevel: ConmonLogLevel;
  /** Where conmon links exec attach sockets (short, like the container one). */
  socketDir: string;
}

/**
 * A process running in a container. Without a terminal its stdio are our pipes; with
 * one, conmon holds the pty and everything arrives on stdout.
 */
export interface ExecSession {
  /** pid of `runc exec` (which forwards signals), or of the process itself under conmon. */
  pid: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** The process's exit code (128+N for signal N); rejects when the runtime could not run it. */
  exit: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  /** Terminal size, for sessions with a terminal. */
  resize?(width: number, height: number): Promise<void>;
}

/**
 * Without a terminal: `runc exec --process FILE ID` in the foreground with pipes. The
 * exit status of runc is the process's; runc's own errors go to a log file of their own
 * (JSON), so they never mix with the process's stderr. Cheap: one runc, no conmon.
 * With a terminal runc needs a pty of ours to copy to (it opens /dev/tty), which Node
 * cannot make, so conmon holds the pty (`conmon --exec`) and we attach to it.
 */
export async function execInContainer(ctx: ExecContext, id: string, workDir: string, process: ExecProcess, options: ExecOptions): Promise<ExecSession> {
  if (!Array.isArray(process.args) || process.args.length === 0) throw invalidArgument('exec needs a command');
  if (options.terminal) return execWithTerminal(ctx, id, workDir, process, options.stdin ?? true);
  const runc = ctx.runc;
  const tag = randomBytes(6).toString('hex');
  const processFile = path.join(workDir, `exec-${tag}.json`);
  const logFile = path.join(workDir, `exec-${tag}.log`);
  await writeFile(processFile, JSON.stringify({ cwd: '/', ...process, terminal: options.terminal }));
  const args = ['--root', runc.root, '--log', logFile, '--log-format', 'json', 'exec', '--process', processFile, id];
  const child = spawn(runc.path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  const cleanup = async (): Promise<void> => {
    await rm(processFile, { force: true });
    await rm(logFile, { force: true });
  };
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => {
      void cleanup();
      reject(err);
    });
    child.on('close', (code, signal) => {
      void (async () => {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        await cleanup();
        const errors = log
          .split('\n')
          .filter((line) => /"level":"(error|fatal)"/.test(line))
          .join('\n');
        if (errors !== '') return reject(runtimeFailure('exec in', id, runtimeMessages(errors)));
        if (code !== null) return resolve(code);
        resolve(128 + signalNumber(signal));
      })();
    });
  });
  exit.catch(() => undefined);
  return {
    pid: child.pid ?? 0,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exit,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
  };
}

async function execWithTerminal(ctx: ExecContext, id: string, workDir: string, process: ExecProcess, stdin: boolean): Promise<ExecSession> {
  const sessionId = randomBytes(8).toString('hex');
  const sessionDir = path.join(workDir, `exec-${sessionId}`);
  await mkdir(sessionDir, { recursive: true, mode: 0o700 });
  await mkdir(ctx.socketDir, { recursive: true, mode: 0o700 });
  const processFile = path.join(sessionDir, 'process.json');
  await writeFile(processFile, JSON.stringify({ cwd: '/', ...process, terminal: true }));
  const cleanup = async (): Promise<void> => {
    await rm(path.join(ctx.socketDir, sessionId), { force: true });
    await rm(sessionDir, { recursive: true, force: true });
  };
  let session;
  try {
    session = await execWithConmon({
      conmonPath: ctx.conmonPath,
      runtimePath: ctx.runc.path,
      runtimeArgs: ctx.runc.globalArgs(),
      containerId: id,
      sessionId,
      sessionDir,
      socketDir: ctx.socketDir,
      processFile,
      terminal: true,
      stdin,
      logLevel: ctx.logLevel,
      python: ctx.python,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const { stdout, stderr } = splitOutput(session.attach);
  const pid = session.pid;
  const exit = session.exit.finally(async () => {
    await session.attach.closed;
    await cleanup();
  });
  exit.catch(() => undefined);
  return {
    pid,
    stdin: session.attach.stdin,
    stdout,
    stderr,
    exit,
    kill: (signal = 'SIGTERM') => {
      try {
        globalThis.process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    resize: session.resize,
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
