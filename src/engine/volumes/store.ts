import type { Metadata } from '../../content/index.js';
import { notFound } from '../../lib/index.js';

const migrations = [
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     driver TEXT NOT NULL,
     labels TEXT,
     options TEXT,
     created_at INTEGER NOT NULL,
     anonymous INTEGER NOT NULL DEFAULT 0
   ) STRICT;`,
];

/** One row as the service sees it. */
export interface StoredVolume {
  name: string;
  driver: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  created: Date;
  anonymous: boolean;
}

interface Row {
  name: string;
  driver: string;
  labels: string | null;
  options: string | null;
  created_at: number;
  anonymous: number;
}

const fromRow = (row: Row): StoredVolume => ({
  name: row.name,
  driver: row.driver,
  labels: row.labels === null ? null : (JSON.parse(row.labels) as Record<string, string>),
  options: row.options === null ? null : (JSON.parse(row.options) as Record<string, string>),
  created: new Date(row.created_at),
  anonymous: row.anonymous !== 0,
});

export const noSuchVolume = (name: string): Error => notFound(`get ${name}: no such volume`);

/**
 * The `volumes` table in the engine's metadata database. A volume exists exactly when its
 * row does: the service writes the row last on create and deletes it first on remove, and
 * sweeps directories without a row when the engine opens.
 */
export class VolumeStore {
  constructor(private readonly metadata: Metadata) {
    metadata.migrate('volumes', migrations);
  }

  private get db(): Metadata['db'] {
    return this.metadata.db;
  }

  insert(v: StoredVolume): void {
    this.db
      .prepare('INSERT INTO volumes (name, driver, labels, options, created_at, anonymous) VALUES (?, ?, ?, ?, ?, ?)')
      .run(v.name, v.driver, v.labels === null ? null : JSON.stringify(v.labels), v.options === null ? null : JSON.stringify(v.options), v.created.getTime(), v.anonymous ? 1 : 0);
  }

  find(name: string): StoredVolume | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM volumes WHERE name = ?').get(name);
    return row === undefined ? undefined : fromRow(row);
  }

  get(name: string): StoredVolume {
    const found = this.find(name);
    if (found === undefined) throw noSuchVolume(name);
    return found;
  }

  list(): StoredVolume[] {
    return this.db.prepare<[], Row>('SELECT * FROM volumes ORDER BY name').all().map(fromRow);
  }

  names(): Set<string> {
    return new Set(this.db.prepare<[], { name: string }>('SELECT name FROM volumes').all().map((r) => r.name));
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}
