import { BerthError, gone, invalidArgument, unavailable } from '../../lib/index.js';
import { CompactionPolicy, defaultCompactionPolicy, type CompactionPolicyOptions } from './compaction-policy.js';
import { checkKey, checkRevision, prefixEnd, rangeStart } from './keys.js';
import { SqliteLog, type LogRow } from './sqlite-log.js';
import { asBuffer, type WriteOp } from './sqlite-ops.js';
import { WatchHub } from './sqlite-watch.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { DeleteResult, KeyValue, ListOptions, ListResult, Store, Watch, WatchOptions } from './types.js';

export interface SqliteStoreOptions {
  /** Database file (created if missing). */
  path: string;
  /** Events buffered per watch before a slow consumer is cut off (default 10,000). */
  watchBuffer?: number;
  /** Automatic compaction; false turns it off. */
  compaction?: false | (Partial<CompactionPolicyOptions> & { intervalMs?: number });
}

/** Revisions compacted per transaction, so that writers are not held up for long. */
const compactChunk = 10_000;

function toKeyValue(row: LogRow): KeyValue {
  return {
    key: row.name,
    // Rows from the writer thread arrive as plain Uint8Arrays.
    value: row.value ? asBuffer(row.value) : Buffer.alloc(0),
    createRevision: row.create_revision,
    modRevision: row.id,
    version: row.version,
  };
}

/**
 * The store over one SQLite database in WAL mode, for a single server process.
 *
 * Durability: synchronous=FULL fsyncs the WAL before a commit returns, so a write is
 * acknowledged only once it is on disk. (WAL with NORMAL would already survive a kill -9
 * of this process, since committed frames sit in the kernel's page cache, but not a power
 * cut or kernel crash; etcd fsyncs its WAL before acknowledging, and so do we.)
 *
 * The fsync is most of a write's cost, so writes go through group commit on a writer
 * thread (SqliteWriter): the event loop keeps serving while a group commits, and the
 * writes that arrive meanwhile share the next transaction, each still checked and
 * revisioned on its own, in order. Reads use this thread's own connection; WAL lets them
 * run beside the writer's transactions and see only committed groups.
 */
export class SqliteStore implements Store {
  private readonly hub: WatchHub;
  private readonly timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly log: SqliteLog,
    private readonly writer: SqliteWriter,
    hub: WatchHub,
    options: SqliteStoreOptions,
  ) {
    this.hub = hub;
    if (options.compaction !== false) {
      const { intervalMs = 60_000, ...policyOptions } = options.compaction ?? {};
      const policy = new CompactionPolicy({ ...defaultCompactionPolicy, ...policyOptions });
      this.timer = setInterval(() => {
        const target = policy.next(Date.now(), this.log.currentRevision(), this.log.compactRevision());
        if (target !== undefined && !this.compacting) void this.compact(target).catch(() => undefined);
      }, intervalMs);
      this.timer.unref();
    }
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    // This connection creates the schema before the writer thread opens its own.
    const log = new SqliteLog(options.path);
    try {
      const hub = new WatchHub(log, options.watchBuffer ?? 10_000);
      const writer = await SqliteWriter.start(options.path, () => hub.notify());
      return new SqliteStore(log, writer, hub, options);
    } catch (err) {
      log.close();
      throw err;
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.ensureOpen();
    checkKey(key);
    const row = this.log.latest(key);
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async list(options: ListOptions): Promise<ListResult> {
    this.ensureOpen();
    checkRevision('revision', options.revision);
    checkRevision('limit', options.limit);
    const limit = options.limit || 0;
    const range = { start: rangeStart(options.prefix, options.continueAfterKey), end: prefixEnd(options.prefix) };
    return this.log.read(() => {
      const revision = this.readableRevision(options.revision);
      const rows = this.log.listAt(range, revision, limit > 0 ? limit + 1 : -1);
      const more = limit > 0 && rows.length > limit;
      return { items: (more ? rows.slice(0, limit) : rows).map(toKeyValue), revision, more };
    });
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    return this.log.count({ start: prefix, end: prefixEnd(prefix) });
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return this.log.currentRevision();
  }

  async create(key: string, value: Buffer): Promise<number> {
    this.ensureOpen();
    checkKey(key);
    return (await this.commit({ op: 'create', key, value })).revision;
  }

  async update(key: string, value: Buffer, expectedModRevision?: number): Promise<number> {
    this.ensureOpen();
    checkKey(key);
    return (await this.commit({ op: 'update', key, value, expectedModRevision })).revision;
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.ensureOpen();
    checkKey(key);
    const { revision, prev } = await this.commit({ op: 'delete', key, expectedModRevision });
    return { revision, prev: toKeyValue(prev as LogRow) };
  }

  watch(options: WatchOptions): Watch {
    this.ensureOpen();
    checkRevision('fromRevision', options.fromRevision);
    return this.hub.watch(options.prefix, options.fromRevision, options.maxBuffered);
  }

  /** Compacts in chunks, one writer transaction each, so that writes and reads go on. */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    checkRevision('revision', revision);
    if (revision > this.log.currentRevision()) {
      throw invalidArgument(`cannot compact to ${revision}: a future revision (now ${this.log.currentRevision()})`);
    }
    while (this.compacting) await this.compacting;
    const run = async (): Promise<void> => {
      for (let from = this.log.compactRevision(); from < revision && !this.closed; from = this.log.compactRevision()) {
        // Live watchers must have every row before it can be dropped.
        this.hub.dispatch();
        await this.writer.compact(from, Math.min(revision, from + compactChunk));
      }
    };
    this.compacting = run().finally(() => {
      this.compacting = undefined;
    });
    await this.compacting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.compacting;
    // Writes accepted before close are committed (or refused) as usual.
    await this.writer.close();
    this.hub.closeAll();
    this.log.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw unavailable('storage closed');
  }

  private readableRevision(requested: number | undefined): number {
    const current = this.log.currentRevision();
    if (!requested) return current;
    if (requested > current) throw invalidArgument(`revision ${requested} is in the future (now ${current})`);
    const compacted = this.log.compactRevision();
    if (requested < compacted) throw gone(`revision ${requested} has been compacted (compact revision ${compacted})`);
    return requested;
  }

  private async commit(write: WriteOp): Promise<{ revision: number; prev?: LogRow }> {
    const outcome = await this.writer.submit(write);
    if (!outcome.ok) throw new BerthError(outcome.kind, outcome.message);
    return outcome;
  }
}

export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}
