import type { Digest } from '../oci/index.js';
import { isNotFound } from '../lib/index.js';
import type { BlobStore } from './blobs.js';
import type { ImageStore } from './images.js';
import type { LeaseManager } from './leases.js';
import { acquireFileLock } from './lockfile.js';
import { childrenOf, readDocument } from './refs.js';
import type { Guard } from './rwlock.js';

export interface GcOptions {
  /** Ingest files untouched this long are abandoned writes (default one hour). */
  ingestGraceMs?: number;
  /** Clock for lease expiry and ingest age. */
  now?: () => number;
  /** Runs between mark and sweep, with the lock held (tests interleave writers here). */
  afterMark?: () => Promise<void>;
}

export interface GcResult {
  removedBlobs: Digest[];
  reclaimedBytes: number;
  expiredLeases: string[];
  removedIngestFiles: number;
}

export interface GcDeps {
  blobs: BlobStore;
  images: ImageStore;
  leases: LeaseManager;
  /** The exclusive side of the lock whose shared side guards reference-adding mutations. */
  exclusive: Guard;
  /** File locked for the duration, against a collector in another process. */
  lockPath: string;
}

const defaultIngestGraceMs = 60 * 60 * 1000;

/**
 * Mark and sweep. Holding the exclusive lock (so no image or lease reference is added
 * meanwhile): expire old leases, list blobs, then read roots — image targets and the
 * resources of live leases — mark everything reachable through manifests, indexes,
 * configs, layers and subjects (missing blobs are skipped), and delete the rest. Then
 * remove abandoned ingest files.
 */
export async function collectGarbage(deps: GcDeps, options: GcOptions = {}): Promise<GcResult> {
  const now = options.now ?? Date.now;
  const release = acquireFileLock(deps.lockPath);
  try {
    const swept = await deps.exclusive(async () => {
      const at = now();
      const expiredLeases = deps.leases.expire(at);
      // Listing before reading roots: a blob made visible by a writer in another process
      // after recording its reference is then either unlisted or rooted.
      const present = await deps.blobs.list();
      const roots = [...deps.images.list().map((image) => image.target.digest), ...deps.leases.referenced(at)];
      const marked = await mark(deps.blobs, roots);
      await options.afterMark?.();
      const removedBlobs: Digest[] = [];
      let reclaimedBytes = 0;
      for (const blob of present) {
        if (marked.has(blob.digest)) continue;
        try {
          await deps.blobs.delete(blob.digest);
        } catch (err) {
          if (isNotFound(err)) continue;
          throw err;
        }
        removedBlobs.push(blob.digest);
        reclaimedBytes += blob.size;
      }
      return { removedBlobs, reclaimedBytes, expiredLeases };
    });
    const removedIngestFiles = await deps.blobs.cleanIngest(options.ingestGraceMs ?? defaultIngestGraceMs, now());
    return { ...swept, removedIngestFiles };
  } finally {
    release();
  }
}

async function mark(blobs: BlobStore, roots: readonly Digest[]): Promise<Set<Digest>> {
  const marked = new Set<Digest>();
  const walked = new Set<Digest>();
  const queue = roots.map((digest) => ({ digest, walk: true }));
  for (let item = queue.pop(); item; item = queue.pop()) {
    marked.add(item.digest);
    if (!item.walk || walked.has(item.digest)) continue;
    walked.add(item.digest);
    queue.push(...childrenOf(await readDocument(blobs, item.digest)));
  }
  return marked;
}
