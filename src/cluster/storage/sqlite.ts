import { alreadyExists, conflict, gone, invalidArgument, notFound, unavailable } from '../../lib/index.js';
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

/**
 * The store over one SQLite database in WAL mode, for a single server process.
 *
 * Durability: synchronous=FULL fsyncs the WAL before a commit returns, so a write is
 * acknowledged only once it is on disk. (WAL with NORMAL would already survive a kill -9
 * of this process, since committed frames sit in the kernel's page cache, but not a power
 * cut or kernel crash; etcd fsyncs its WAL before acknowledging, and so do we.)
 */
export class SqliteStore implements Store {
  private readonly log: SqliteLog;
  private readonly hub: WatchHub;
  private readonly timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;

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
    let prev: LogRow | undefined;
    const revision = this.commit(() => {
      prev = this.current(key, expectedModRevision);
      return this.log.append({
        name: key, created: 0, deleted: 1, create_revision: prev.create_revision, prev_revision: prev.id,
        version: 0, value: null, old_value: prev.value,
      });
    });
    return { revision, prev: toKeyValue(prev as LogRow) };
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

  private commit(fn: () => number): number {
    const revision = this.log.write(fn);
    this.hub.notify();
    return revision;
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return new SqliteStore(options);
}
