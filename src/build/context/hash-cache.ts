import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, type BigIntStats } from 'node:fs';

interface Cached {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  sha256: string;
}

// Above this, a file is hashed as a stream rather than read whole.
const READ_WHOLE_LIMIT = 1024 * 1024;
// A bound on the memory the cache holds (about 200 bytes an entry).
const MAX_ENTRIES = 200_000;

/**
 * Content hashes of files, remembered by path while the file's identity and times stay
 * the same (device, inode, size, mtime, ctime): a rebuild without changes reads no file.
 * ctime is in the key because tools can restore an mtime after writing.
 */
export class FileHashCache {
  private readonly entries = new Map<string, Cached>();

  async sha256(path: string, stat: BigIntStats): Promise<string> {
    const hit = this.cached(path, stat);
    if (hit !== undefined) return hit;
    const sha256 = stat.size <= READ_WHOLE_LIMIT ? hashSmall(path) : await hashStream(path);
    this.remember(path, stat, sha256);
    return sha256;
  }

  /** The remembered hash of `path` if the file is still the one it was computed for. */
  cached(path: string, stat: BigIntStats): string | undefined {
    const hit = this.entries.get(path);
    const same =
      hit !== undefined &&
      hit.dev === stat.dev &&
      hit.ino === stat.ino &&
      hit.size === stat.size &&
      hit.mtimeNs === stat.mtimeNs &&
      hit.ctimeNs === stat.ctimeNs;
    return same ? hit.sha256 : undefined;
  }

  /** Records a hash computed elsewhere (while the file was written), for `stat` as it is now. */
  remember(path: string, stat: BigIntStats, sha256: string): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(path, { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, sha256 });
  }
}

function hashSmall(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function hashStream(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The process-wide cache the builder's COPY and ADD steps share. */
export const fileHashes = new FileHashCache();
