/**
 * Directory trees → uncompressed OCI layer tars.
 *
 * `diffUpperDir` reads an overlayfs upper directory (the changes of a container or a
 * build step over its lower layers) and writes them as a layer: overlay whiteouts (0/0
 * character devices) become `.wh.NAME` entries and opaque directories get a
 * `.wh..wh..opq` entry right after the directory itself. `tarDirectory` writes a whole
 * tree as is. Both walk in byte order, parents before children, record a second path to
 * an inode already written as a hardlink, and write only stable fields (whole-second
 * mtimes, no atime/ctime, no user/group names), so the same tree gives the same digest.
 * Sockets are skipped, as Docker does. Trees must not change while they are read.
 */
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { BATCH_SIZE, TarBatch } from './diff-batch.js';
import { TreeWalker } from './diff-walk.js';

export { WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './diff-walk.js';

/**
 * Longest a read() may walk before handing out what it has. The walk is synchronous, so
 * on a slow disk this bounds how long it holds the event loop; on a fast one a batch
 * fills long before.
 */
const MAX_WALK_MS = 20;
const READ_AHEAD = 4 * BATCH_SIZE;

/** Entries a diff leaves out: by archive name (`etc/hosts`), with whether it is a directory. */
export type DiffSkip = (name: string, isDirectory: boolean) => boolean;

/**
 * A layer tar of the changes recorded in an overlayfs upper directory; `skip` leaves out
 * entries (a directory with all it holds), e.g. a running container's mount points.
 */
export function diffUpperDir(upper: string, skip?: DiffSkip): Readable {
  return new TreeTarStream(upper, true, skip);
}

/** A layer tar of a whole directory tree (no whiteout conversion). */
export function tarDirectory(dir: string): Readable {
  return new TreeTarStream(dir, false);
}

/** Walks a batch per read(), so the walk runs only as fast as the consumer takes it. */
class TreeTarStream extends Readable {
  private readonly walker: TreeWalker;
  private readonly batch = new TarBatch();

  constructor(root: string, overlay: boolean, skip?: DiffSkip) {
    // Room for a few batches: while the consumer waits on its own I/O (a file write on the
    // thread pool), the walk goes on filling the next ones instead of idling.
    super({ highWaterMark: READ_AHEAD });
    this.walker = new TreeWalker(root, overlay, skip);
  }

  override _read(): void {
    // Walked on the next tick, not inside read(): a consumer reads a chunk, then starts
    // its write; walking before read() returns would wait for the walk to issue the write.
    process.nextTick(() => this.walk());
  }

  private walk(): void {
    if (this.destroyed) return;
    try {
      let done = false;
      let chunks: Buffer[] = [];
      // An entry may add no bytes (a socket is skipped): walk on until there is a chunk.
      while (chunks.length === 0 && !done) {
        done = this.walker.fill(this.batch, performance.now() + MAX_WALK_MS);
        chunks = this.batch.take(done);
      }
      for (const chunk of chunks) this.push(chunk);
      if (done) this.push(null);
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    try {
      this.walker.close();
    } catch (closeErr) {
      callback(err ?? (closeErr instanceof Error ? closeErr : new Error(String(closeErr))));
      return;
    }
    callback(err);
  }
}
