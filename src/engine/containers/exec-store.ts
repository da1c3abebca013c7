import { randomBytes } from 'node:crypto';
import { notFound } from '../../lib/index.js';
import type { ExecProcess } from './exec.js';
import type { ExecRecord, ExecRequest } from './types.js';

export interface ExecEntry {
  record: ExecRecord;
  /** Set by start; an exec starts once. */
  process?: ExecProcess;
  /** A terminal size asked for before start. */
  consoleSize?: { width: number; height: number };
}

/** Finished execs kept per container for inspection; older ones are forgotten first. */
export const FINISHED_EXECS_KEPT = 64;

/**
 * Exec instances in memory, as Docker's exec store keeps them: created, started once,
 * inspected (running, exit code, pid). A container's execs are forgotten when it starts
 * again or is removed; while it lives, the last FINISHED_EXECS_KEPT finished ones stay.
 */
export class ExecStore {
  private readonly entries = new Map<string, ExecEntry>();

  create(containerId: string, request: ExecRequest): ExecEntry {
    const id = randomBytes(32).toString('hex');
    const entry: ExecEntry = { record: { id, containerId, request: { ...request }, running: false, exitCode: null, pid: 0 } };
    this.entries.set(id, entry);
    return entry;
  }

  /** By full ID (Docker takes no prefixes for execs). */
  get(id: string): ExecEntry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw notFound(`No such exec instance: ${id}`);
    return entry;
  }

  idsOf(containerId: string): string[] {
    return [...this.entries.values()].filter((e) => e.record.containerId === containerId).map((e) => e.record.id);
  }

  /** Records the end of an exec and trims the container's finished ones. */
  finished(entry: ExecEntry, exitCode: number): void {
    entry.record.running = false;
    entry.record.exitCode = exitCode;
    const done = [...this.entries.values()].filter((e) => e.record.containerId === entry.record.containerId && e.record.exitCode !== null);
    for (const old of done.slice(0, Math.max(0, done.length - FINISHED_EXECS_KEPT))) this.entries.delete(old.record.id);
  }

  forgetContainer(containerId: string): void {
    for (const [id, entry] of this.entries) if (entry.record.containerId === containerId) this.entries.delete(id);
  }
}
