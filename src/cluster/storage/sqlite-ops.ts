import { alreadyExists, BerthError, conflict, notFound, type ErrorKind } from '../../lib/index.js';
import type { LogRow, SqliteLog } from './sqlite-log.js';

/** One write as the writer thread receives it. */
export type WriteOp =
  | { op: 'create'; key: string; value: Uint8Array }
  | { op: 'update'; key: string; value: Uint8Array; expectedModRevision: number | undefined }
  | { op: 'delete'; key: string; expectedModRevision: number | undefined };

/** A write's result: its revision (and for a delete the row it removed), or why it was refused. */
export type WriteOutcome =
  | { ok: true; revision: number; prev?: LogRow }
  | { ok: false; kind: ErrorKind; message: string };

/** Buffers cross threads as plain Uint8Arrays; SQLite wants Buffers. */
export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The live row of `key`, checked against the caller's precondition. */
function current(log: SqliteLog, key: string, expectedModRevision: number | undefined): LogRow {
  const cur = log.latest(key);
  if (!cur || cur.deleted) throw notFound(`key ${key} not found`);
  if (expectedModRevision !== undefined && cur.id !== expectedModRevision) {
    throw conflict(`key ${key} was modified at revision ${cur.id}, expected ${expectedModRevision}`);
  }
  return cur;
}

function apply(log: SqliteLog, w: WriteOp): { revision: number; prev?: LogRow } {
  switch (w.op) {
    case 'create': {
      const cur = log.latest(w.key);
      if (cur && !cur.deleted) throw alreadyExists(`key ${w.key} already exists`);
      const revision = log.append({
        name: w.key, created: 1, deleted: 0, create_revision: 0, prev_revision: cur?.id ?? 0,
        version: 1, value: asBuffer(w.value), old_value: null,
      });
      return { revision };
    }
    case 'update': {
      const cur = current(log, w.key, w.expectedModRevision);
      const revision = log.append({
        name: w.key, created: 0, deleted: 0, create_revision: cur.create_revision, prev_revision: cur.id,
        version: cur.version + 1, value: asBuffer(w.value), old_value: cur.value,
      });
      return { revision };
    }
    case 'delete': {
      const prev = current(log, w.key, w.expectedModRevision);
      const revision = log.append({
        name: w.key, created: 0, deleted: 1, create_revision: prev.create_revision, prev_revision: prev.id,
        version: 0, value: null, old_value: prev.value,
      });
      return { revision, prev };
    }
  }
}

/**
 * Applies a group of writes in one transaction, each checked and appended in order (a
 * later write sees the rows of earlier ones) with its own revision. A refused precondition
 * appends nothing and the others go on; any other error (from SQLite) may leave the
 * transaction in doubt, so it rolls the whole group back and is thrown, as is a failed
 * COMMIT. When this returns, the group is durable.
 */
export function applyGroup(log: SqliteLog, group: WriteOp[]): WriteOutcome[] {
  return log.write(() =>
    group.map((w): WriteOutcome => {
      try {
        return { ok: true, ...apply(log, w) };
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        return { ok: false, kind: err.kind, message: err.message };
      }
    }),
  );
}
