import type { Metadata } from '../../content/index.js';
import type { Digest } from '../../oci/index.js';

const migrations = [
  `CREATE TABLE blob_sources (
     digest TEXT NOT NULL,
     registry TEXT NOT NULL,
     repository TEXT NOT NULL,
     seen INTEGER NOT NULL,
     PRIMARY KEY (digest, registry, repository)
   ) STRICT;`,
];

/** How many repositories of one registry are remembered per blob (Docker keeps a short list too). */
const maxSourcesPerBlob = 20;

/**
 * Which repositories of which registries a blob was pulled from or pushed to, as Docker's
 * distribution metadata remembers them: a push to another repository of the same registry
 * can then ask for a cross-repository mount instead of sending the bytes again.
 */
export class BlobSources {
  constructor(private readonly metadata: Metadata) {
    metadata.migrate('blob-sources', migrations);
  }

  /** Notes that `registry` holds these blobs in `repository` (newest first in `candidates`). */
  record(registry: string, repository: string, digests: readonly Digest[]): void {
    const db = this.metadata.db;
    const upsert = db.prepare(
      `INSERT INTO blob_sources (digest, registry, repository, seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (digest, registry, repository) DO UPDATE SET seen = excluded.seen`,
    );
    const trim = db.prepare(
      `DELETE FROM blob_sources WHERE digest = ? AND registry = ? AND repository NOT IN
         (SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? ORDER BY seen DESC LIMIT ${maxSourcesPerBlob})`,
    );
    const now = Date.now();
    // A hint: losing it in a crash only costs a mount, so the commit does not wait for the disk.
    this.metadata.relaxed(() =>
      db.transaction(() => {
        for (const digest of new Set(digests)) {
          upsert.run(digest, registry, repository, now);
          trim.run(digest, registry, digest, registry);
        }
      })(),
    );
  }

  /** Repositories of `registry` other than `exclude` that held the blob, most recently seen first. */
  candidates(registry: string, digest: Digest, exclude: string, limit = 3): string[] {
    return this.metadata.db
      .prepare<[string, string, string, number], { repository: string }>(
        'SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? AND repository != ? ORDER BY seen DESC, repository LIMIT ?',
      )
      .all(digest, registry, exclude, limit)
      .map((row) => row.repository);
  }

  /** Forgets a source that turned out not to hold the blob (a mount it could not serve). */
  forget(registry: string, repository: string, digest: Digest): void {
    this.metadata.relaxed(() =>
      this.metadata.db.prepare('DELETE FROM blob_sources WHERE digest = ? AND registry = ? AND repository = ?').run(digest, registry, repository),
    );
  }
}
