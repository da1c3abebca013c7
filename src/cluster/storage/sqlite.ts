import { alreadyExists, BerthError, conflict, gone, invalidArgument, notFound, unavailable } from '../../lib/index.js';
import { CompactionPolicy, defaultCompactionPolicy, type CompactionPolicyOptions } from './compaction-policy.js';
import { checkKey, checkRevision, prefixEnd, rangeStart } from './keys.js';
import { SqliteLog, type LogRow } from './sqlite-log.js';
import { WatchHub } from './sqlite-watch.js';
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
    value: row.value ?? Buffer.alloc(0),
    createRevision: row.create_revision,
    modRevision: row.id,
    version: row.version,
  };
}

/** One write waiting for the next group commit. */
interface PendingWrite {
  /** Checks the write's precondition and appends its row; throws to refuse it. */
  apply: () => unknown;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The store over one SQLite database in WAL mode, for a single server process.
 *
 * Durability: synchronous=FULL fsyncs the WAL before a commit returns, so a write is
 * acknowledged only once it is on disk. (WAL with NORMAL would already survive a kill -9
 * of this process, since committed frames sit in the kernel's page cache, but not a power
 * cut or kernel crash; etcd fsyncs its WAL before acknowledging, and so do we.)
 *
 * Group commit: the fsync is most of a write's cost, so the writes that arrive during one
 * turn of the event loop share a transaction. Each is still checked and appended on its
 * own, in arrival order (a later write sees the rows of earlier ones), and gets its own
 * revision and watch event; a refused write appends nothing and the others go on. Every
 * write of the group is acknowledged only after the one COMMIT has returned, and if that
 * fails, all of them fail.
 */
export class SqliteStore implements Store {
  private readonly log: SqliteLog;
  private readonly hub: WatchHub;
  private readonly timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;
  private pending: PendingWrite[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;

  constructor(options: SqliteStoreOptions) {
    this.log = new SqliteLog(options.path);
    this.hub = new WatchHub(this.log, options.watchBuffer ?? 10_000);
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
    const revision = this.readableRevision(options.revision);
    const limit = options.limit || 0;
    const range = { start: rangeStart(options.prefix, options.continueAfterKey), end: prefixEnd(options.prefix) };
    const rows = this.log.listAt(range, revision, limit > 0 ? limit + 1 : -1);
    const more = limit > 0 && rows.length > limit;
    return { items: (more ? rows.slice(0, limit) : rows).map(toKeyValue), revision, more };
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
    return this.commit(() => {
      const cur = this.log.latest(key);
      if (cur && !cur.deleted) throw alreadyExists(`key ${key} already exists`);
      return this.log.append({
        name: key, created: 1, deleted: 0, create_revision: 0, prev_revision: cur?.id ?? 0,
        version: 1, value, old_value: null,
      });
    });
  }

  async update(key: string, value: Buffer, expectedModRevision?: number): Promise<number> {
    this.ensureOpen();
    checkKey(key);
    return this.commit(() => {
      const cur = this.current(key, expectedModRevision);
      return this.log.append({
        name: key, created: 0, deleted: 0, create_revision: cur.create_revision, prev_revision: cur.id,
        version: cur.version + 1, value, old_value: cur.value,
      });
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.ensureOpen();
    checkKey(key);
    return this.commit(() => {
      const prev = this.current(key, expectedModRevision);
      const revision = this.log.append({
        name: key, created: 0, deleted: 1, create_revision: prev.create_revision, prev_revision: prev.id,
        version: 0, value: null, old_value: prev.value,
      });
      return { revision, prev: toKeyValue(prev) };
    });
  }

  watch(options: WatchOptions): Watch {
    this.ensureOpen();
    checkRevision('fromRevision', options.fromRevision);
    return this.hub.watch(options.prefix, options.fromRevision, options.maxBuffered);
  }

  /** Compacts in chunks, yielding between them so that writes and reads go on. */
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
        this.log.compact(from, Math.min(revision, from + compactChunk));
        await new Promise((resolve) => setImmediate(resolve));
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
    // Writes accepted before close are committed (or refused) as usual.
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flush();
    await this.compacting;
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

  /** The live row of `key`, checked against the caller's precondition. */
  private current(key: string, expectedModRevision: number | undefined): LogRow {
    const cur = this.log.latest(key);
    if (!cur || cur.deleted) throw notFound(`key ${key} not found`);
    if (expectedModRevision !== undefined && cur.id !== expectedModRevision) {
      throw conflict(`key ${key} was modified at revision ${cur.id}, expected ${expectedModRevision}`);
    }
    return cur;
  }

  /** Queues a write for the group commit at the end of this turn of the event loop. */
  private commit<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve: resolve as (result: unknown) => void, reject });
      this.flushScheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Applies the queued writes in order in one transaction, then settles each. */
  private flush(): void {
    this.flushScheduled = undefined;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const outcomes: ({ ok: true; result: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.log.write(() => {
        for (const write of group) {
          try {
            outcomes.push({ ok: true, result: write.apply() });
          } catch (err) {
            // A refused precondition appended nothing; anything else (an SQLite error)
            // may have left the transaction in doubt, so it fails the whole group.
            if (!(err instanceof BerthError)) throw err;
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const write of group) write.reject(err);
      return;
    }
    this.hub.notify();
    group.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) write.resolve(outcome.result);
      else write.reject(outcome?.err);
    });
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return new SqliteStore(options);
}
