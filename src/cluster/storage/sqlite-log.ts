import Database from 'better-sqlite3';

/**
 * The SQLite dialect of the log: one table where every write appends a row whose id is
 * the revision (kine's layout). A key's value at revision R is its latest row with
 * id <= R, absent if that row is a deletion. `version` is ours (etcd's per-key write
 * count); `lease` is kept for kine's layout and always 0.
 */
const schema = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  value BLOB,
  old_value BLOB
);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  version: number;
  value: Buffer | null;
  old_value: Buffer | null;
}

export type NewRow = Omit<LogRow, 'id'>;

/** A key range [start, end); end undefined means unbounded. */
export interface KeyRange {
  start: string;
  end: string | undefined;
}

// SQLite orders every TEXT value before every BLOB, so an empty BLOB bounds all keys.
const unbounded = Buffer.alloc(0);
const bound = (end: string | undefined): string | Buffer => end ?? unbounded;

export class SqliteLog {
  readonly db: Database.Database;
  private readonly stmt;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives a power
    // loss or kernel crash, not only the death of this process (see SqliteStore).
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(schema);
    const db = this.db;
    this.stmt = {
      latest: db.prepare<[string], LogRow>('SELECT * FROM log WHERE name = ? ORDER BY id DESC LIMIT 1'),
      revision: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'log'"),
      insert: db.prepare<[number, string, number, number, number, number, number, Buffer | null, Buffer | null]>(
        `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, version, value, old_value)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Walks the (name, id) index in key order and keeps each key's newest row at or
      // below the revision, so a page stops reading once it has `limit` rows.
      list: db.prepare<[string, string | Buffer, number, number, number], LogRow>(
        `SELECT * FROM log AS l
         WHERE l.name >= ? AND l.name < ? AND l.id <= ? AND l.deleted = 0
           AND l.id = (SELECT MAX(m.id) FROM log AS m WHERE m.name = l.name AND m.id <= ?)
         ORDER BY l.name LIMIT ?`,
      ),
      count: db.prepare<[string, string | Buffer], { n: number }>(
        `SELECT COUNT(*) AS n FROM log AS l
         WHERE l.name >= ? AND l.name < ? AND l.deleted = 0
           AND l.id = (SELECT MAX(m.id) FROM log AS m WHERE m.name = l.name)`,
      ),
      after: db.prepare<[number, number, string, string | Buffer, number], LogRow>(
        'SELECT * FROM log WHERE id > ? AND id <= ? AND name >= ? AND name < ? ORDER BY id LIMIT ?',
      ),
      dropSuperseded: db.prepare<[number, number]>(
        'DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)',
      ),
      dropDeletions: db.prepare<[number, number]>('DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1'),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, number]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction: the write lock is taken before the first
   * read, so a check-then-write cannot interleave with another writer. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn`'s reads against one snapshot, so that no commit of another connection (the
   * writer thread's) can land between them. */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  currentRevision(): number {
    return this.stmt.revision.get()?.seq ?? 0;
  }

  compactRevision(): number {
    return this.stmt.getMeta.get('compact_revision')?.value ?? 0;
  }

  latest(name: string): LogRow | undefined {
    return this.stmt.latest.get(name);
  }

  /** Appends a row at the next revision (inside write()); returns that revision. */
  append(row: NewRow): number {
    const id = this.currentRevision() + 1;
    const createRevision = row.created ? id : row.create_revision;
    this.stmt.insert.run(id, row.name, row.created, row.deleted, createRevision, row.prev_revision, row.version, row.value, row.old_value);
    return id;
  }

  /** Live keys in `range` as of `revision`, sorted, at most `limit` (-1: all). */
  listAt(range: KeyRange, revision: number, limit: number): LogRow[] {
    return this.stmt.list.all(range.start, bound(range.end), revision, revision, limit);
  }

  count(range: KeyRange): number {
    return this.stmt.count.get(range.start, bound(range.end))?.n ?? 0;
  }

  /** Rows in (from, to] for keys in `range`, by revision. */
  rowsAfter(from: number, to: number, range: KeyRange, limit: number): LogRow[] {
    return this.stmt.after.all(from, to, range.start, bound(range.end), limit);
  }

  /**
   * Drops the history in (from, to] that no read at revision >= `to` can see: rows
   * superseded by a later row at or below `to`, and deletion markers at or below `to`
   * (with every row before them gone, the key is simply absent).
   */
  compact(from: number, to: number): void {
    this.write(() => {
      this.stmt.dropSuperseded.run(from, to);
      this.stmt.dropDeletions.run(from, to);
      this.stmt.setMeta.run('compact_revision', to);
    });
  }

  close(): void {
    this.db.close();
  }
}
