import type { Metadata } from '../content/index.js';
import type { Digest } from '../oci/index.js';

/**
 * The builder's step cache: a key (parent image, instruction, copied content — computed
 * by the builder) → the image that step made. Rows live in the engine's metadata
 * database, so the cache survives restarts; a row whose image was removed is a miss for
 * the caller to notice (the image lookup fails), and is overwritten by the next build.
 */
export interface BuildCache {
  get(key: string): Digest | undefined;
  put(key: string, imageId: Digest): void;
  /** Forgets every entry (`builder prune`). Returns how many there were. */
  clear(): number;
}

const migrations = [
  `CREATE TABLE build_cache (
     key TEXT PRIMARY KEY,
     image_id TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;`,
];

export function openBuildCache(metadata: Metadata): BuildCache {
  metadata.migrate('build-cache', migrations);
  const { db } = metadata;
  const select = db.prepare<[string], { image_id: string }>('SELECT image_id FROM build_cache WHERE key = ?');
  const upsert = db.prepare<[string, string, number]>(
    'INSERT INTO build_cache (key, image_id, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET image_id = excluded.image_id, created_at = excluded.created_at',
  );
  const deleteAll = db.prepare('DELETE FROM build_cache');
  return {
    get: (key) => select.get(key)?.image_id as Digest | undefined,
    put: (key, imageId) => void upsert.run(key, imageId, Date.now()),
    clear: () => deleteAll.run().changes,
  };
}
