import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { type BlobInfo, type BlobSource, BlobStore, type ExpectedBlob } from './blobs.js';
import { type GcOptions, type GcResult, collectGarbage } from './gc.js';
import { ImageStore } from './images.js';
import { imageIndexEntry } from './layout.js';
import { LeaseManager } from './leases.js';
import { Metadata } from './metadata.js';
import { RwLock } from './rwlock.js';

export type {
  BlobInfo,
  BlobIngester,
  BlobManager,
  BlobProvider,
  BlobRange,
  BlobSource,
  ExpectedBlob,
  PendingBlob,
} from './blobs.js';
export { BlobStore } from './blobs.js';
export type { Image, ImageFilter, ImageStoreOptions, ImageTarget } from './images.js';
export { ImageStore } from './images.js';
export type { Lease, LeaseManagerOptions, LeaseOptions } from './leases.js';
export { LeaseManager } from './leases.js';
export type { Migration, SqliteDatabase } from './metadata.js';
export { Metadata } from './metadata.js';
export type { GcOptions, GcResult } from './gc.js';
export type { Labels } from './labels.js';
export type { Guard } from './rwlock.js';

export interface WriteOptions {
  /** Record the blob in this lease before relying on it, so a concurrent GC keeps it. */
  lease?: string;
}

/**
 * Content under one root: `<root>/content` (an OCI image layout), `<root>/metadata.db`,
 * `<root>/gc.lock`. One process owns a root.
 *
 * Lifecycle of a blob:
 *   1. Take a lease (`leases.withLease`): whatever it records outlives any GC until it ends.
 *   2. Write (`write(source, expected, { lease })`): bytes stream into ingest/, are fsynced
 *      and checked against the expected digest and size, the digest is recorded in the
 *      lease, and the file is renamed into blobs/ — visible whole or not at all.
 *   3. Name the root of the graph (`images.upsert(name, target)`): the image now keeps its
 *      manifest or index and everything reachable from it.
 *   4. Release the lease. `gc()` removes whatever no image and no live lease reaches.
 *
 * GC protocol: adding a reference (lease resource, image target) takes the shared side of
 * an in-process lock; GC takes the exclusive side from reading roots to the end of the
 * sweep, plus a kernel-held lock on gc.lock against another process's collector. So a
 * reference added before GC is a root, and one added after finds its blob untouched.
 */
export class ContentStore {
  private readonly lock = new RwLock();
  private indexWrites: Promise<void> = Promise.resolve();
  readonly images: ImageStore;
  readonly leases: LeaseManager;

  private constructor(
    readonly root: string,
    readonly blobs: BlobStore,
    readonly metadata: Metadata,
  ) {
    this.images = new ImageStore(metadata, { guard: this.lock.shared, onChange: () => this.syncIndex() });
    this.leases = new LeaseManager(metadata, { guard: this.lock.shared });
  }

  static async open(root: string): Promise<ContentStore> {
    await mkdir(root, { recursive: true });
    const blobs = await BlobStore.open(join(root, 'content'));
    const metadata = Metadata.open(join(root, 'metadata.db'));
    try {
      const store = new ContentStore(root, blobs, metadata);
      await store.syncIndex(); // a crash may have come between a commit and its index.json
      return store;
    } catch (err) {
      metadata.close();
      throw err;
    }
  }

  /**
   * Writes a blob (see BlobStore.write). With a lease, the digest is recorded in it before
   * the blob is relied upon: before the exists-check when the digest is known, before the
   * rename otherwise.
   */
  async write(source: BlobSource, expected: ExpectedBlob = {}, options: WriteOptions = {}): Promise<BlobInfo> {
    const { lease } = options;
    if (lease === undefined) return this.blobs.write(source, expected);
    if (expected.digest !== undefined) {
      await this.leases.addResource(lease, expected.digest);
      return this.blobs.write(source, expected);
    }
    const pending = await this.blobs.ingest(source, expected);
    try {
      await this.leases.addResource(lease, pending.digest);
    } catch (err) {
      await pending.abort();
      throw err;
    }
    return pending.commit();
  }

  /** Mark and sweep; see collectGarbage. Throws conflict if another collector holds gc.lock. */
  gc(options: GcOptions = {}): Promise<GcResult> {
    return collectGarbage(
      {
        blobs: this.blobs,
        images: this.images,
        leases: this.leases,
        exclusive: this.lock.exclusive,
        lockPath: join(this.root, 'gc.lock'),
      },
      options,
    );
  }

  /** Waits for a running GC and pending index.json writes, then closes the database. */
  async close(): Promise<void> {
    await this.lock.exclusive(async () => {
      await this.indexWrites.catch(() => undefined);
      this.metadata.close();
    });
  }

  /** Rewrites index.json from the image table; writes run one after another, each reading the latest. */
  private syncIndex(): Promise<void> {
    const next = this.indexWrites
      .catch(() => undefined)
      .then(() => this.blobs.writeIndex(this.images.list().map((image) => imageIndexEntry(image.name, image.target))));
    this.indexWrites = next;
    return next;
  }
}

export const openContent = (root: string): Promise<ContentStore> => ContentStore.open(root);
