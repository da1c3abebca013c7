import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startFailureExitCode } from '../../runtime/index.js';
import { loadBaseProcess, execProcessJson } from './exec-process.js';
import { resizePty, scriptArgv, scriptPty } from './exec-tty.js';
import { runtimeArgv, type ContainerHandle } from './handle.js';
import { mergeOutput } from './output-queue.js';
import type { ExecRequest, ExecSession } from './types.js';

/** A running exec: the session the service hands out, plus what the service itself needs. */
export interface ExecProcess extends ExecSession {
  /** Host pid of the process once it runs; undefined when it never started. */
  pid: Promise<number | undefined>;
  /** Signals the process (before it started: the runtime, which forwards signals). */
  kill(signal?: NodeJS.Signals): void;
  /** Once `exited` resolved: the runtime's message when the process could not be started. */
  readonly startError: string | undefined;
}

export interface StartExecOptions {
  /** Where the exec's process.json, pid and log files live while it runs; default `<runtimeRoot>/../exec`. */
  stateDir?: string;
  /** Terminal size to start with (tty only); default 80×24. */
  consoleSize?: { width: number; height: number };
}

const PID_POLL_MS = 20;

/**
 * Runs a process in a running container with `runc exec --process FILE`, the process being
 * the container's own (capabilities, no_new_privs, rlimits…) with the request's command,
 * environment (the container's plus the request's), user (names resolved in the rootfs's
 * /etc/passwd and /etc/group) and working directory.
 *
 * Without a tty, runc runs in the foreground with our pipes as stdio and exits with the
 * process's status; stdin is /dev/null unless attachStdin. With a tty, runc runs under
 * util-linux `script` (see exec-tty.ts): output is the terminal's, on stdout only; ending
 * stdin types ^D, as closing a terminal's input would.
 *
 * When the process cannot be started, `exited` gives 127 (command not found) or 126 (not
 * executable, or any other start failure) as Docker reports, `startError` says why and the
 * runtime's message is also in the output.
 */
export async function startExec(handle: ContainerHandle, request: ExecRequest, options: StartExecOptions = {}): Promise<ExecProcess> {
  const processJson = await execProcessJson(handle, request, await loadBaseProcess(handle));
  const dir = path.join(options.stateDir ?? path.join(path.dirname(handle.runtimeRoot), 'exec'), randomBytes(8).toString('hex'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = { process: path.join(dir, 'process.json'), pid: path.join(dir, 'pid'), log: path.join(dir, 'runtime.log') };
  const tty = request.tty === true;
  const attachStdin = request.attachStdin === true;
  let child: ChildProcess;
  try {
    await writeFile(files.process, processJson, { mode: 0o600 });
    const runtime = [
      ...runtimeArgv(handle),
      '--log', files.log, '--log-format', 'json',
      'exec', '--process', files.process, '--pid-file', files.pid,
      ...(tty ? ['--tty'] : []),
      handle.id,
    ];
    const size = options.consoleSize ?? { width: 80, height: 24 };
    const argv = tty ? await scriptArgv(runtime, { rows: size.height, cols: size.width }) : runtime;
    const [file, ...args] = argv as [string, ...string[]];
    child = spawn(file, args, {
      stdio: [tty || attachStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: tty ? { ...process.env, SHELL: '/bin/sh' } : process.env,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  child.stdin?.on('error', () => undefined);

  let closed = false;
  let knownPid: number | undefined;
  const closedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
    }),
  );
  const pid = (async (): Promise<number | undefined> => {
    for (;;) {
      const text = await readFile(files.pid, 'utf8').catch(() => '');
      if (/^\d+$/.test(text.trim())) return (knownPid = Number(text.trim()));
      if (closed) return undefined;
      await new Promise((r) => setTimeout(r, PID_POLL_MS));
    }
  })();

  let startError: string | undefined;
  const exited = (async (): Promise<number> => {
    const { code, signal } = await closedPromise;
    const started = await pid;
    const log = await readFile(files.log, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    const errors = runtimeErrors(log);
    if (started === undefined && errors !== undefined) {
      startError = errors;
      return startFailureExitCode(errors) ?? 126;
    }
    if (code !== null) return code;
    return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
  })();

  const output = tty
    ? mergeOutput([
        { stream: 'stdout', readable: child.stdout! },
        { stream: 'stdout', readable: child.stderr! },
      ])
    : mergeOutput([
        { stream: 'stdout', readable: child.stdout! },
        { stream: 'stderr', readable: child.stderr! },
      ]);

  const session: ExecProcess = {
    output,
    exited,
    pid,
    get startError() {
      return startError;
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      try {
        if (knownPid !== undefined) process.kill(knownPid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    },
  };
  if (attachStdin) session.stdin = tty ? terminalInput(child) : child.stdin!;
  if (tty) {
    session.resize = async (width: number, height: number): Promise<void> => {
      // Once the process runs, the shell that set the first size has become the runtime.
      if ((await pid) === undefined || closed || child.pid === undefined) return;
      const pty = await scriptPty(child.pid);
      if (pty !== undefined) await resizePty(pty, { rows: height, cols: width });
    };
  }
  return session;
}

/** stdin of a terminal: bytes go through; the end is ^D (EOF at a line start), not a closed pipe. */
function terminalInput(child: ChildProcess): Writable {
  const target = child.stdin!;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (target.destroyed) return callback();
      if (target.write(chunk)) callback();
      else target.once('drain', () => callback());
    },
    final(callback) {
      if (!target.destroyed) target.write(Buffer.from([4]));
      callback();
    },
  });
}

/** The error messages of a runtime's JSON log (`{"level":"error","msg":…}` lines), or undefined. */
export function runtimeErrors(log: string): string | undefined {
  const messages: string[] = [];
  for (const line of log.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if ((record.level === 'error' || record.level === 'fatal') && typeof record.msg === 'string') messages.push(record.msg);
    } catch {
      // not a JSON record: ignore
    }
  }
  return messages.length === 0 ? undefined : messages.join('; ');
}
