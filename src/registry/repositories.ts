import type { Metadata, SqliteDatabase } from '../content/index.js';
import type { Digest } from '../oci/index.js';

const migrations = [
  `CREATE TABLE registry_repositories (
     name TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE registry_blobs (
     repo TEXT NOT NULL REFERENCES registry_repositories (name) ON DELETE CASCADE,
     digest TEXT NOT NULL,
     PRIMARY KEY (repo, digest)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX registry_blobs_by_digest ON registry_blobs (digest);
   CREATE TABLE registry_manifests (
     repo TEXT NOT NULL REFERENCES registry_repositories (name) ON DELETE CASCADE,
     digest TEXT NOT NULL,
     media_type TEXT NOT NULL,
     size INTEGER NOT NULL,
     subject TEXT,
     artifact_type TEXT,
     annotations TEXT,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (repo, digest)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX registry_manifests_by_subject ON registry_manifests (repo, subject);
   CREATE TABLE registry_tags (
     repo TEXT NOT NULL,
     tag TEXT NOT NULL,
     digest TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (repo, tag),
     FOREIGN KEY (repo, digest) REFERENCES registry_manifests (repo, digest) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE registry_uploads (
     id TEXT PRIMARY KEY,
     repo TEXT NOT NULL,
     started_at INTEGER NOT NULL
   ) STRICT;`,
];

/** A manifest as a repository records it. */
export interface ManifestRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  subject?: Digest;
  /** What a referrers response lists: the manifest's artifactType, else its config's media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface ManifestRow {
  digest: string;
  media_type: string;
  size: number;
  subject: string | null;
  artifact_type: string | null;
  annotations: string | null;
}

export interface UploadRecord {
  id: string;
  repo: string;
  startedAt: number;
}

/** One page of a lexically ordered listing; `more` when entries follow the last one. */
export interface Page {
  items: string[];
  more: boolean;
}

/**
 * What each repository holds, in the metadata database: linked blobs (a blob is visible in
 * a repository only once pushed or mounted there), manifests, tags, and upload sessions.
 * Bytes live in the content store; these rows only name them.
 */
export class RepositoryIndex {
  private readonly db: SqliteDatabase;

  constructor(
    metadata: Metadata,
    private readonly now: () => number = Date.now,
  ) {
    metadata.migrate('registry', migrations);
    this.db = metadata.db;
  }

  exists(repo: string): boolean {
    return this.db.prepare('SELECT 1 FROM registry_repositories WHERE name = ?').get(repo) !== undefined;
  }

  hasBlob(repo: string, digest: Digest): boolean {
    return this.db.prepare('SELECT 1 FROM registry_blobs WHERE repo = ? AND digest = ?').get(repo, digest) !== undefined;
  }

  linkBlob(repo: string, digest: Digest): void {
    this.db.transaction(() => {
      this.ensureRepository(repo);
      this.db.prepare('INSERT INTO registry_blobs (repo, digest) VALUES (?, ?) ON CONFLICT DO NOTHING').run(repo, digest);
    })();
  }

  /** Returns whether a link was removed. */
  unlinkBlob(repo: string, digest: Digest): boolean {
    return this.db.prepare('DELETE FROM registry_blobs WHERE repo = ? AND digest = ?').run(repo, digest).changes > 0;
  }

  /** Drops links to blobs that are gone (after a GC); returns how many. */
  pruneBlobLinks(isPresent: (digest: Digest) => boolean): number {
    const rows = this.db.prepare<[], { repo: string; digest: string }>('SELECT repo, digest FROM registry_blobs').all();
    const remove = this.db.prepare('DELETE FROM registry_blobs WHERE repo = ? AND digest = ?');
    let removed = 0;
    this.db.transaction(() => {
      for (const row of rows) {
        if (!isPresent(row.digest as Digest)) removed += remove.run(row.repo, row.digest).changes;
      }
    })();
    return removed;
  }

  manifest(repo: string, digest: Digest): ManifestRecord | undefined {
    const row = this.db
      .prepare<[string, string], ManifestRow>('SELECT * FROM registry_manifests WHERE repo = ? AND digest = ?')
      .get(repo, digest);
    return row && fromRow(row);
  }

  /** Records a manifest and, given a tag, points the tag at it — one transaction. */
  putManifest(repo: string, record: ManifestRecord, tag?: string): void {
    this.db.transaction(() => {
      this.ensureRepository(repo);
      this.db
        .prepare(
          `INSERT INTO registry_manifests (repo, digest, media_type, size, subject, artifact_type, annotations, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (repo, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
             subject = excluded.subject, artifact_type = excluded.artifact_type, annotations = excluded.annotations`,
        )
        .run(
          repo,
          record.digest,
          record.mediaType,
          record.size,
          record.subject ?? null,
          record.artifactType ?? null,
          record.annotations ? JSON.stringify(record.annotations) : null,
          this.now(),
        );
      if (tag !== undefined) {
        this.db
          .prepare(
            `INSERT INTO registry_tags (repo, tag, digest, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (repo, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
          )
          .run(repo, tag, record.digest, this.now());
      }
    })();
  }

  /** Removes a manifest and every tag pointing at it; returns whether it existed. */
  deleteManifest(repo: string, digest: Digest): boolean {
    return this.db.prepare('DELETE FROM registry_manifests WHERE repo = ? AND digest = ?').run(repo, digest).changes > 0;
  }

  resolveTag(repo: string, tag: string): Digest | undefined {
    const row = this.db
      .prepare<[string, string], { digest: string }>('SELECT digest FROM registry_tags WHERE repo = ? AND tag = ?')
      .get(repo, tag);
    return row?.digest as Digest | undefined;
  }

  deleteTag(repo: string, tag: string): boolean {
    return this.db.prepare('DELETE FROM registry_tags WHERE repo = ? AND tag = ?').run(repo, tag).changes > 0;
  }

  tags(repo: string, page: { n?: number; last?: string }): Page {
    return this.page('SELECT tag AS item FROM registry_tags WHERE repo = ? AND tag > ? ORDER BY tag LIMIT ?', [repo], page);
  }

  repositories(page: { n?: number; last?: string }): Page {
    return this.page('SELECT name AS item FROM registry_repositories WHERE name > ? ORDER BY name LIMIT ?', [], page);
  }

  referrers(repo: string, subject: Digest): ManifestRecord[] {
    return this.db
      .prepare<[string, string], ManifestRow>(
        'SELECT * FROM registry_manifests WHERE repo = ? AND subject = ? ORDER BY created_at, digest',
      )
      .all(repo, subject)
      .map(fromRow);
  }

  /** Every (repo, manifest) pair, for rebuilding GC roots. */
  allManifests(): Array<{ repo: string; manifest: ManifestRecord }> {
    return this.db
      .prepare<[], ManifestRow & { repo: string }>('SELECT * FROM registry_manifests')
      .all()
      .map((row) => ({ repo: row.repo, manifest: fromRow(row) }));
  }

  createUpload(id: string, repo: string): UploadRecord {
    const startedAt = this.now();
    this.db.prepare('INSERT INTO registry_uploads (id, repo, started_at) VALUES (?, ?, ?)').run(id, repo, startedAt);
    return { id, repo, startedAt };
  }

  upload(id: string): UploadRecord | undefined {
    const row = this.db
      .prepare<[string], { id: string; repo: string; started_at: number }>('SELECT * FROM registry_uploads WHERE id = ?')
      .get(id);
    return row && { id: row.id, repo: row.repo, startedAt: row.started_at };
  }

  deleteUpload(id: string): void {
    this.db.prepare('DELETE FROM registry_uploads WHERE id = ?').run(id);
  }

  private ensureRepository(repo: string): void {
    this.db.prepare('INSERT INTO registry_repositories (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(repo, this.now());
  }

  private page(sql: string, params: string[], page: { n?: number; last?: string }): Page {
    // One more than asked, to learn whether another page follows.
    const limit = page.n === undefined ? -1 : page.n + 1;
    const items = this.db
      .prepare<Array<string | number>, { item: string }>(sql)
      .all(...params, page.last ?? '', limit)
      .map((row) => row.item);
    if (page.n !== undefined && items.length > page.n) return { items: items.slice(0, page.n), more: true };
    return { items, more: false };
  }
}

function fromRow(row: ManifestRow): ManifestRecord {
  const record: ManifestRecord = { digest: row.digest as Digest, mediaType: row.media_type, size: row.size };
  if (row.subject !== null) record.subject = row.subject as Digest;
  if (row.artifact_type !== null) record.artifactType = row.artifact_type;
  if (row.annotations !== null) record.annotations = JSON.parse(row.annotations) as Record<string, string>;
  return record;
}
