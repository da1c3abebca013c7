import { lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alreadyExists, failedPrecondition, invalidArgument, isErrno, isNotFound, notFound } from '../lib/index.js';
import { attachSocket, findPython, type AttachSession } from './conmon-attach.js';
import { resizeTerminal } from './conmon-ctl.js';
import { isConmonOf, liveConmon, readPidFile } from './conmon-proc.js';
import { createWithConmon, type ConmonLogLevel } from './conmon.js';
import { execInContainer, type ExecOptions, type ExecProcess, type ExecSession } from './driver-exec.js';
import { readExitCode, waitForExitFile } from './driver-exit.js';
import { bundleFiles, checkSocketPath, containerFiles, runLayout, validateId, type ContainerFiles, type RunLayout } from './driver-paths.js';
import { RuncCli, type RuncState } from './driver-runc.js';

export interface RuntimeDriverOptions {
  /** Where all state lives (see driver-paths.ts); e.g. /run/berth/runtime. */
  runDir: string;
  /** runc or crun (same command line). */
  runtimePath?: string;
  /**
   * The runtime as a command prefix when it needs a wrapper, e.g. what
   * `runtimeInvocation(host)` gives for crun on a hybrid cgroup host; conmon takes a
   * single path, so the driver writes it into `<runDir>/runtime` as a script.
   */
  runtimeCommand?: string[];
  conmonPath?: string;
  /** Python 3 for the attach bridge. */
  pythonPath?: string;
  conmonLogLevel?: ConmonLogLevel;
  /** How long create may take before it is given up. */
  createTimeoutMs?: number;
}

export interface CreateOptions {
  terminal: boolean;
  stdin: boolean;
  /** The k8s-file log conmon writes. */
  logPath: string;
  /** conmon starts the log afresh past this many bytes. */
  logMaxSize?: number;
  /** Keep the container's stdin open when an attached client goes away. */
  leaveStdinOpen?: boolean;
  /** For conmon's logs; the id when absent. */
  name?: string;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped';

/** What the driver recorded at create time, on disk. */
export interface ContainerRecord {
  id: string;
  bundle: string;
  logPath: string;
  terminal: boolean;
  stdin: boolean;
  createdAt: string;
}

export interface ContainerState {
  id: string;
  status: ContainerStatus;
  /** The init process's pid; 0 once stopped. */
  pid: number;
  bundle: string;
  /** Set once conmon recorded the exit (128+N for signal N). */
  exitCode?: number;
  /** The monitoring conmon, while it runs. */
  conmonPid?: number;
}

export type ContainerInfo = ContainerRecord & ContainerState;

/**
 * Runs OCI containers through conmon and runc.
 *
 * Lifecycle: create (conmon starts, runc creates; the process waits) → start → [pause ⇄
 * resume] → the process exits (conmon writes the exit file and leaves) → delete. kill
 * works in between. Everything is on disk under runDir, so any driver instance (after a
 * restart of the daemon) can carry on with containers another one created.
 */
export class RuntimeDriver {
  readonly layout: RunLayout;
  private readonly runc: RuncCli;
  private readonly conmonPath: string;
  private readonly python: string;
  private readonly logLevel: ConmonLogLevel;
  private readonly createTimeoutMs: number;

  constructor(options: RuntimeDriverOptions) {
    this.layout = runLayout(options.runDir);
    const runtime = options.runtimeCommand !== undefined && options.runtimeCommand.length > 1
      ? writeRuntimeWrapper(this.layout.runDir, options.runtimeCommand)
      : (options.runtimeCommand?.[0] ?? options.runtimePath ?? '/usr/bin/runc');
    this.runc = new RuncCli(runtime, this.layout.runcRoot);
    this.conmonPath = options.conmonPath ?? '/usr/bin/conmon';
    this.python = findPython(options.pythonPath);
    this.logLevel = options.conmonLogLevel ?? 'error';
    this.createTimeoutMs = options.createTimeoutMs ?? 60_000;
  }

  /**
   * The runtime as this driver runs it (the wrapper script when a command prefix was
   * given) and its `--root`, for tools that call the runtime themselves (exec).
   */
  runtimeCli(): { path: string; root: string } {
    return { path: this.runc.path, root: this.runc.root };
  }

  /** Creates the container from the bundle; its process waits for `start`. Returns its pid. */
  async create(id: string, bundleDir: string, options: CreateOptions): Promise<number> {
    const files = containerFiles(this.layout, id);
    checkSocketPath(files);
    const bundle = path.resolve(bundleDir);
    await checkBundle(bundle, options.terminal);
    for (const dir of [this.layout.runcRoot, this.layout.exitDir, this.layout.socketDir, this.layout.containersDir]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
    await claimDirectory(files, id);
    await rm(files.exitFile, { force: true });
    await rm(files.socketLink, { force: true });
    const record: ContainerRecord = {
      id,
      bundle,
      logPath: path.resolve(options.logPath),
      terminal: options.terminal,
      stdin: options.stdin,
      createdAt: new Date().toISOString(),
    };
    await writeFile(files.record, JSON.stringify(record, null, 2));
    await mkdir(path.dirname(record.logPath), { recursive: true });
    try {
      return await createWithConmon({
        conmonPath: this.conmonPath,
        runtimePath: this.runc.path,
        runtimeArgs: this.runc.globalArgs(),
        id,
        name: options.name ?? id,
        bundle,
        containerPidFile: files.containerPid,
        conmonPidFile: files.conmonPid,
        logPath: record.logPath,
        ...(options.logMaxSize === undefined ? {} : { logMaxSize: options.logMaxSize }),
        exitDir: this.layout.exitDir,
        socketDir: this.layout.socketDir,
        terminal: options.terminal,
        stdin: options.stdin,
        leaveStdinOpen: options.leaveStdinOpen ?? false,
        logLevel: this.logLevel,
        conmonLog: files.conmonLog,
        timeoutMs: this.createTimeoutMs,
      });
    } catch (err) {
      await this.removeEverything(id, files, bundle).catch(() => undefined);
      throw err;
    }
  }

  async start(id: string): Promise<void> {
    await this.record(id);
    await this.runc.run('start', id, ['start', id]);
  }

  async state(id: string): Promise<ContainerState> {
    const record = await this.record(id);
    let runtime: RuncState | undefined;
    try {
      runtime = await this.runc.state(id);
    } catch (err) {
      if (isNotFound(err)) runtime = undefined;
      else throw err;
    }
    return this.combine(record, runtime);
  }

  /** Sends a signal (name like "TERM"/"SIGTERM" or number) to the init process, or to every process with `all`. */
  async kill(id: string, signal: string | number = 'SIGTERM', all = false): Promise<void> {
    await this.record(id);
    await this.runc.run('kill', id, ['kill', ...(all ? ['--all'] : []), id, signalArg(signal)]);
  }

  async pause(id: string): Promise<void> {
    await this.record(id);
    await this.runc.run('pause', id, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.record(id);
    await this.runc.run('resume', id, ['resume', id]);
  }

  /**
   * Removes the container from the runtime and every file the driver and conmon made
   * for it (the log at logPath stays: it is the caller's). Without `force` a container
   * that still runs is refused.
   */
  async delete(id: string, force = false): Promise<void> {
    const record = await this.record(id);
    try {
      await this.runc.run('delete', id, ['delete', ...(force ? ['--force'] : []), id]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.removeEverything(id, containerFiles(this.layout, id), record.bundle);
  }

  /** Resolves with the exit code once the container has exited (at once if it already has). */
  async wait(id: string, signal?: AbortSignal): Promise<number> {
    await this.record(id);
    const files = containerFiles(this.layout, id);
    return waitForExitFile(files.exitFile, {
      ...(signal === undefined ? {} : { signal }),
      monitorAlive: async () => (await liveConmon(files.conmonPid, id)) !== undefined,
    });
  }

  /** The recorded exit code, or undefined while the container has not exited. */
  async exitCode(id: string): Promise<number | undefined> {
    await this.record(id);
    return readExitCode(containerFiles(this.layout, id).exitFile);
  }

  /**
   * Connects to the container's stdio through conmon's attach socket. Output that was
   * written before the connection is not replayed (read the log for that): attach
   * between create and start to see all of it.
   */
  async attach(id: string): Promise<AttachSession> {
    await this.record(id);
    const files = containerFiles(this.layout, id);
    try {
      await lstat(files.attachSocket);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw failedPrecondition(`container ${id} has no attach socket: it is not running`);
      throw err;
    }
    return attachSocket(files.attachSocket, this.python);
  }

  /** Sets the terminal size of a container created with a terminal. */
  async resize(id: string, width: number, height: number): Promise<void> {
    const record = await this.record(id);
    if (!record.terminal) throw failedPrecondition(`container ${id} has no terminal`);
    await resizeTerminal(record.bundle, width, height);
  }

  /** Runs another process in the running container. */
  async exec(id: string, process: ExecProcess, options: ExecOptions): Promise<ExecSession> {
    await this.record(id);
    const context = {
      runc: this.runc,
      conmonPath: this.conmonPath,
      python: this.python,
      logLevel: this.logLevel,
      socketDir: this.layout.execSocketDir,
    };
    return execInContainer(context, id, containerFiles(this.layout, id).dir, process, options);
  }

  /** Every container this run directory knows, with its current state. */
  async list(): Promise<ContainerInfo[]> {
    let ids: string[];
    try {
      ids = (await readdir(this.layout.containersDir)).sort();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const runtime = new Map((await this.runc.list().catch(() => [] as RuncState[])).map((s) => [s.id, s]));
    const infos: ContainerInfo[] = [];
    for (const id of ids) {
      let record: ContainerRecord;
      try {
        record = await this.record(id);
      } catch {
        continue; // half-made by a create that died; delete(id) is not possible, so skip it
      }
      infos.push({ ...record, ...(await this.combine(record, runtime.get(id))) });
    }
    return infos;
  }

  /** The record written at create, or not-found. */
  async record(id: string): Promise<ContainerRecord> {
    validateId(id);
    try {
      return JSON.parse(await readFile(containerFiles(this.layout, id).record, 'utf8')) as ContainerRecord;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`container ${id} does not exist`);
      throw err;
    }
  }

  private async combine(record: ContainerRecord, runtime: RuncState | undefined): Promise<ContainerState> {
    const files = containerFiles(this.layout, record.id);
    const exitCode = await readExitCode(files.exitFile);
    const conmonPid = await liveConmon(files.conmonPid, record.id);
    const status: ContainerStatus = runtime === undefined ? 'stopped' : toStatus(runtime.status);
    return {
      id: record.id,
      status,
      pid: status === 'stopped' ? 0 : (runtime?.pid ?? 0),
      bundle: record.bundle,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(conmonPid === undefined ? {} : { conmonPid }),
    };
  }

  /** Stops conmon if it lingers, then removes its files, the exit file and the record. */
  private async removeEverything(id: string, files: ContainerFiles, bundle: string): Promise<void> {
    const conmonPid = await readPidFile(files.conmonPid);
    if (conmonPid !== undefined) await stopConmon(conmonPid, id);
    const inBundle = bundleFiles(bundle);
    for (const file of [inBundle.attach, inBundle.ctl, inBundle.winsz]) await removeIfSpecial(file);
    await rm(files.socketLink, { force: true });
    await removeLinksInto(this.layout.execSocketDir, files.dir);
    await rm(files.exitFile, { force: true });
    await rm(files.dir, { recursive: true, force: true });
  }
}

/**
 * Makes the container's directory, refusing an id in use. A directory without a record
 * is what a create that died half-way leaves (and list skips); it is taken over.
 */
async function claimDirectory(files: ContainerFiles, id: string): Promise<void> {
  try {
    await mkdir(files.dir, { mode: 0o700 });
    return;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  const recorded = await lstat(files.record).then(() => true, () => false);
  if (recorded || (await liveConmon(files.conmonPid, id)) !== undefined) throw alreadyExists(`container ${id} already exists`);
  await rm(files.dir, { recursive: true, force: true });
  await mkdir(files.dir, { mode: 0o700 });
}

/** A script that runs `command` with the arguments it is given (conmon's -r is one path). */
function writeRuntimeWrapper(runDir: string, command: string[]): string {
  const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
  const file = path.join(runDir, 'runtime');
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `#!/bin/sh\nexec ${command.map(quote).join(' ')} "$@"\n`, { mode: 0o755 });
  return file;
}

/** conmon leaves by itself once the container is gone; give it a moment, then SIGKILL. */
async function stopConmon(pid: number, id: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (await isConmonOf(pid, id)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Removes the exec sessions' socket links that point into a container's directory. */
async function removeLinksInto(dir: string, target: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const name of names) {
    const link = path.join(dir, name);
    const to = await readlink(link).catch(() => '');
    if (to.startsWith(target + path.sep)) await rm(link, { force: true });
  }
}

/** Removes a socket or fifo conmon made; never a regular file or directory of the bundle. */
async function removeIfSpecial(file: string): Promise<void> {
  try {
    const info = await lstat(file);
    if (info.isSocket() || info.isFIFO()) await rm(file, { force: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

async function checkBundle(bundle: string, terminal: boolean): Promise<void> {
  let config: { process?: { terminal?: boolean } };
  try {
    config = JSON.parse(await readFile(path.join(bundle, 'config.json'), 'utf8')) as typeof config;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound(`no config.json in bundle ${bundle}`);
    throw invalidArgument(`bad config.json in bundle ${bundle}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if ((config.process?.terminal ?? false) !== terminal) {
    throw invalidArgument(`the bundle's process.terminal (${String(config.process?.terminal ?? false)}) must match terminal (${String(terminal)})`);
  }
}

function toStatus(status: string): ContainerStatus {
  switch (status) {
    case 'created':
    case 'running':
    case 'paused':
    case 'stopped':
      return status;
    case 'creating':
      return 'created';
    case 'pausing':
      return 'running';
    default:
      return 'stopped';
  }
}

function signalArg(signal: string | number): string {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal <= 0 || signal > 64) throw invalidArgument(`invalid signal ${signal}`);
    return String(signal);
  }
  const name = signal.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(name)) return signalArg(Number(name));
  if (!/^[A-Z0-9+-]+$/.test(name)) throw invalidArgument(`invalid signal ${signal}`);
  return name;
}
