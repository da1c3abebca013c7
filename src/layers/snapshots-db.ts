/**
 * Snapshot metadata in SQLite (WAL): one row per snapshot, committed or active. The row id
 * is also the snapshot's directory name, so ids are never reused (AUTOINCREMENT).
 * Writers that also move directories do so inside `immediate`, which holds the database
 * write lock: any other process sees a directory and its row appear (or vanish) together.
 */
import Database from 'better-sqlite3';

export type SnapshotKind = 'committed' | 'active';

export interface SnapshotRow {
  id: number;
  kind: SnapshotKind;
  /** Chain ID of a committed snapshot, key of an active one. */
  name: string;
  parentId: number | null;
  /** Name (chain ID) of the parent, when there is one. */
  parentName: string | null;
  created: number;
}

interface RawRow {
  id: number;
  kind: SnapshotKind;
  name: string;
  parent_id: number | null;
  parent_name: string | null;
  created: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS snapshots (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      TEXT NOT NULL CHECK (kind IN ('committed', 'active')),
  name      TEXT NOT NULL,
  parent_id INTEGER REFERENCES snapshots(id) ON DELETE RESTRICT,
  created   INTEGER NOT NULL,
  UNIQUE (kind, name)
);
CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent_id);
`;

const selectRow = `
SELECT s.id, s.kind, s.name, s.parent_id, p.name AS parent_name, s.created
FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`;

export class SnapshotMetadata {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(schema);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` holding the write lock (BEGIN IMMEDIATE); rolls back if it throws. */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  find(kind: SnapshotKind, name: string): SnapshotRow | undefined {
    const raw = this.db.prepare(`${selectRow} WHERE s.kind = ? AND s.name = ?`).get(kind, name) as RawRow | undefined;
    return raw && toRow(raw);
  }

  list(kind: SnapshotKind): SnapshotRow[] {
    const rows = this.db.prepare(`${selectRow} WHERE s.kind = ? ORDER BY s.id`).all(kind) as RawRow[];
    return rows.map(toRow);
  }

  /** The snapshot and its ancestors, the snapshot itself first. */
  ancestry(id: number): SnapshotRow[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE chain(id, depth) AS (
           SELECT ?, 0
           UNION ALL
           SELECT s.parent_id, c.depth + 1 FROM snapshots s JOIN chain c ON s.id = c.id
           WHERE s.parent_id IS NOT NULL
         )
         ${selectRow} JOIN chain c ON c.id = s.id ORDER BY c.depth`,
      )
      .all(id) as RawRow[];
    return rows.map(toRow);
  }

  /** Names of the snapshots whose parent is `id`, by kind. */
  dependents(id: number): { committed: string[]; active: string[] } {
    const rows = this.db.prepare('SELECT kind, name FROM snapshots WHERE parent_id = ? ORDER BY id').all(id) as {
      kind: SnapshotKind;
      name: string;
    }[];
    return {
      committed: rows.filter((r) => r.kind === 'committed').map((r) => r.name),
      active: rows.filter((r) => r.kind === 'active').map((r) => r.name),
    };
  }

  insert(kind: SnapshotKind, name: string, parentId: number | null): number {
    const result = this.db
      .prepare('INSERT INTO snapshots (kind, name, parent_id, created) VALUES (?, ?, ?, ?)')
      .run(kind, name, parentId, Date.now());
    return Number(result.lastInsertRowid);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }

  ids(): Set<number> {
    const rows = this.db.prepare('SELECT id FROM snapshots').all() as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }
}

function toRow(raw: RawRow): SnapshotRow {
  return {
    id: raw.id,
    kind: raw.kind,
    name: raw.name,
    parentId: raw.parent_id,
    parentName: raw.parent_name,
    created: raw.created,
  };
}
