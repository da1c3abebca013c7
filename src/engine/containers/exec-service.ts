import { conflict, invalidArgument } from '../../lib/index.js';
import { checkExecutable } from './container-handle.js';
import { ExecStore } from './exec-store.js';
import { startExec, type ExecProcess } from './exec.js';
import type { ContainerHandle } from './handle.js';
import { HEALTH_OUTPUT_BYTES, type ProbeResult } from './health.js';
import type { StoredContainer } from './store.js';
import type { ExecRecord, ExecRequest, ExecSession } from './types.js';

export interface ExecContext {
  /** The container as stored now (not-found once removed). */
  container(id: string): StoredContainer;
  handleOf(c: StoredContainer): Promise<ContainerHandle>;
  emit(action: string, c: StoredContainer, extra: Record<string, string>): void;
}

/**
 * Docker's exec API over exec.ts: create records an exec, start runs it once (with or
 * without a terminal) in the container as it runs then, inspect reports running, exit code
 * and pid. Events as Docker's: `exec_create: CMD`, `exec_start: CMD`, `exec_die`.
 * Health probes run through probe(), which keeps no record and emits nothing.
 */
export class ContainerExecs {
  private readonly execs = new ExecStore();

  constructor(private readonly ctx: ExecContext) {}

  create(c: StoredContainer, request: ExecRequest): string {
    checkExecutable(c);
    if (!Array.isArray(request.cmd) || request.cmd.length === 0 || request.cmd[0] === '') throw invalidArgument('No exec command specified');
    const { record } = this.execs.create(c.id, request);
    this.ctx.emit(`exec_create: ${request.cmd.join(' ')}`, c, { execID: record.id });
    return record.id;
  }

  async start(execId: string): Promise<ExecSession> {
    const entry = this.execs.get(execId);
    if (entry.record.exitCode !== null) throw conflict(`Error: Exec command ${execId} has already run`);
    if (entry.record.running) throw conflict(`Error: Exec command ${execId} is already running`);
    const c = this.ctx.container(entry.record.containerId);
    checkExecutable(c);
    const { request } = entry.record;
    entry.record.running = true;
    let process: ExecProcess;
    try {
      const handle = await this.ctx.handleOf(c);
      process = await startExec(handle, request, entry.consoleSize === undefined ? {} : { consoleSize: entry.consoleSize });
    } catch (err) {
      entry.record.running = false;
      throw err;
    }
    entry.process = process;
    this.ctx.emit(`exec_start: ${request.cmd.join(' ')}`, c, { execID: execId });
    void process.pid.then((pid) => {
      if (pid !== undefined) entry.record.pid = pid;
    });
    const exited = process.exited.then((exitCode) => {
      this.execs.finished(entry, exitCode);
      this.ctx.emit('exec_die', c, { execID: execId, exitCode: String(exitCode) });
      return exitCode;
    });
    const session: ExecSession = { output: process.output, exited };
    if (process.stdin !== undefined) session.stdin = process.stdin;
    if (process.resize !== undefined) session.resize = process.resize.bind(process);
    return session;
  }

  get(execId: string): ExecRecord {
    const { record } = this.execs.get(execId);
    return { ...record, request: { ...record.request } };
  }

  /** A size before start is kept for the terminal start makes; without a terminal it does nothing. */
  async resize(execId: string, width: number, height: number): Promise<void> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw invalidArgument(`invalid terminal size ${width}x${height}`);
    }
    const entry = this.execs.get(execId);
    if (entry.record.request.tty !== true) return;
    if (entry.process === undefined) {
      entry.consoleSize = { width, height };
      return;
    }
    if (entry.record.running) await entry.process.resize?.(width, height);
  }

  idsOf(containerId: string): string[] {
    return this.execs.idsOf(containerId);
  }

  forget(containerId: string): void {
    this.execs.forgetContainer(containerId);
  }

  /**
   * Runs a health probe: no terminal, the container's user and environment, output of
   * both streams in arrival order kept up to HEALTH_OUTPUT_BYTES (+1, so that the monitor
   * can mark the cut); the process is killed when `signal` aborts.
   */
  async probe(id: string, cmd: string[], signal: AbortSignal): Promise<ProbeResult> {
    const c = this.ctx.container(id);
    checkExecutable(c);
    const process = await startExec(await this.ctx.handleOf(c), { cmd });
    const kill = (): void => process.kill('SIGKILL');
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    const chunks: Buffer[] = [];
    let kept = 0;
    try {
      for await (const { data } of process.output) {
        if (kept > HEALTH_OUTPUT_BYTES) continue;
        const part = data.subarray(0, HEALTH_OUTPUT_BYTES + 1 - kept);
        chunks.push(part);
        kept += part.length;
      }
      return { exitCode: await process.exited, output: Buffer.concat(chunks).toString() };
    } finally {
      signal.removeEventListener('abort', kill);
    }
  }
}
