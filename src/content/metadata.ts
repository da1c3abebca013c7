import Database from 'better-sqlite3';
import { failedPrecondition, invalidArgument } from '../lib/index.js';

export type SqliteDatabase = Database.Database;

/** One schema step: SQL text (may hold several statements) or a function over the db. */
export type Migration = string | ((db: SqliteDatabase) => void);

/**
 * The metadata database (`<root>/metadata.db`), shared by every module that keeps records
 * next to the content: each migrates its own namespace of tables with `migrate`.
 *
 * WAL lets readers run beside the one writer. synchronous=FULL: metadata commits are few
 * (a tag, a lease, a pull's end — never per byte), so one WAL fsync per commit is cheap,
 * and an acknowledged pull or tag then survives power loss as its blobs do. (NORMAL would
 * stay consistent — blobs are durable before any row names them, so a lost commit loses
 * only references — but could silently forget an image the user was told exists.)
 */
export class Metadata {
  private constructor(
    readonly db: SqliteDatabase,
    readonly path: string,
  ) {}

  static open(path: string): Metadata {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      db.exec(
        'CREATE TABLE IF NOT EXISTS schema_versions (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT',
      );
    } catch (err) {
      db.close();
      throw err;
    }
    return new Metadata(db, path);
  }

  /**
   * Runs `fn` (statements that commit) without waiting for the disk: for records a crash
   * may lose without harm — leases (their blobs are then garbage, as after an expiry) and
   * hints. WAL keeps commits in order, so the next FULL commit makes these durable too:
   * a durable image row never outlives the lease rows written before it.
   */
  relaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** How many migrations of `namespace` have been applied (0 for a new namespace). */
  version(namespace: string): number {
    const row = this.db.prepare<[string], { version: number }>('SELECT version FROM schema_versions WHERE namespace = ?').get(namespace);
    return row?.version ?? 0;
  }

  /**
   * Applies the migrations of `namespace` not yet applied, each in its own transaction
   * (so a failure leaves the db at the previous version). Only the last step waits for the
   * disk (it makes the earlier ones durable with it): a new database costs one fsync per
   * namespace, not one per step. Migrations are append-only: never edit or reorder a
   * released step. Returns the resulting version.
   */
  migrate(namespace: string, migrations: readonly Migration[]): number {
    if (namespace === '') throw invalidArgument('migration namespace must not be empty');
    const step = this.db.transaction((): boolean => {
      const current = this.version(namespace);
      if (current > migrations.length) {
        throw failedPrecondition(
          `metadata schema ${namespace} is at version ${current}, newer than this program knows (${migrations.length})`,
        );
      }
      const migration = migrations[current];
      if (migration === undefined) return false;
      if (typeof migration === 'string') this.db.exec(migration);
      else migration(this.db);
      this.db
        .prepare(
          'INSERT INTO schema_versions (namespace, version) VALUES (?, ?) ON CONFLICT (namespace) DO UPDATE SET version = excluded.version',
        )
        .run(namespace, current + 1);
      return true;
    });
    // IMMEDIATE: another process migrating the same file waits instead of racing.
    for (;;) {
      const last = this.version(namespace) + 1 >= migrations.length;
      const applied = last ? step.immediate() : this.relaxed(() => step.immediate());
      if (!applied) break;
    }
    return this.version(namespace);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
