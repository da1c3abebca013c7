import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { failedPrecondition, invalidArgument, isErrno } from '../lib/index.js';
import type { TarBatch } from './diff-batch.js';
import { TAR_BLOCK, TAR_END, writeTarHeader, type TarHeader } from './diff-tar.js';
import { readEntryXattrs, type EntryXattrs } from './diff-xattrs.js';

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';

// O_NONBLOCK: a path swapped for a FIFO since its lstat must fail the read, not hang open().
const OPEN_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const { S_IFMT, S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO } = constants;
const NO_XATTRS: EntryXattrs = { xattrs: new Map(), opaque: false };

interface DirFrame {
  /** Directory path with a trailing slash. */
  readonly path: string;
  /** Archive name prefix of its entries: '' or `name/`. */
  readonly prefix: string;
  readonly names: readonly string[];
  next: number;
}

interface OpenFile {
  readonly fd: number;
  readonly path: string;
  readonly size: number;
  remaining: number;
}

/**
 * Walks a tree into tar bytes, synchronously and resumably: fill() writes entries until
 * its batch is full, so a stream pulls the archive a batch at a time. Sync fs calls in a
 * loop are several times cheaper than awaited promises, which idle the thread on a
 * thread-pool round trip per call, and a walk is sequential anyway.
 *
 * Order and bytes are those documented in diff.ts: byte order, parents first, later paths
 * of an inode as hardlinks, stable fields only.
 */
export class TreeWalker {
  private readonly stack: DirFrame[] = [];
  private file: OpenFile | null = null;
  private started = false;
  private ended = false;
  /** `dev:ino` → archive name of the first path written for that inode. */
  private readonly links = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly overlay: boolean,
    private readonly skip?: (name: string, isDirectory: boolean) => boolean,
  ) {}

  /**
   * Writes into `batch` until it holds a whole buffer, `deadline` (performance.now()) has
   * passed, or the archive is complete; returns whether it is.
   */
  fill(batch: TarBatch, deadline: number): boolean {
    if (!this.started) this.start();
    while (!batch.full) {
      if (this.file !== null) {
        this.readFile(this.file, batch);
        continue;
      }
      const frame = this.stack[this.stack.length - 1];
      if (frame === undefined) {
        if (!this.ended) batch.append(TAR_END);
        this.ended = true;
        return true;
      }
      const name = frame.names[frame.next++];
      if (name === undefined) {
        this.stack.pop();
        continue;
      }
      this.entry(frame, name, batch);
      // A slow disk must not hold the event loop for long: hand out what is there.
      if (performance.now() > deadline) break;
    }
    return false;
  }

  /** Releases the file a cut-short walk left open. */
  close(): void {
    if (this.file !== null) closeSync(this.file.fd);
    this.file = null;
  }

  private start(): void {
    this.started = true;
    let stats: BigIntStats;
    try {
      stats = lstatSync(this.root, { bigint: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw invalidArgument(`${this.root} does not exist`, err);
      throw err;
    }
    if (!stats.isDirectory()) throw invalidArgument(`${this.root} is not a directory`);
    this.pushDirectory(this.root.endsWith('/') ? this.root : `${this.root}/`, '');
  }

  private pushDirectory(path: string, prefix: string): void {
    this.stack.push({ path, prefix, names: sortByteOrder(readdirSync(path)), next: 0 });
  }

  private entry(frame: DirFrame, name: string, batch: TarBatch): void {
    const path = frame.path + name;
    const archiveName = frame.prefix + name;
    const stats = lstatSync(path, { bigint: true });
    // Type tests on a number: BigIntStats' own make BigInts on every call.
    const mode = Number(stats.mode);
    const kind = mode & S_IFMT;
    if (kind === S_IFSOCK) return;
    if (this.skip?.(archiveName, kind === S_IFDIR) === true) return;
    const uid = Number(stats.uid);
    const gid = Number(stats.gid);
    const mtime = seconds(stats.mtimeNs);

    // Overlayfs marks a deleted path with a 0/0 character device in the upper dir.
    if (this.overlay && kind === S_IFCHR && stats.rdev === 0n) {
      writeTarHeader(marker(frame.prefix + WHITEOUT_PREFIX + name, uid, gid, mtime), batch);
      return;
    }

    const { xattrs, opaque } = kind === S_IFLNK ? NO_XATTRS : readEntryXattrs(path, this.overlay);
    const header: TarHeader = { name: archiveName, type: 'file', mode: mode & 0o7777, uid, gid, mtime, xattrs };

    if (kind === S_IFDIR) {
      header.type = 'directory';
      writeTarHeader(header, batch);
      if (this.overlay && opaque) writeTarHeader(marker(`${archiveName}/${WHITEOUT_OPAQUE}`, uid, gid, mtime), batch);
      this.pushDirectory(`${path}/`, `${archiveName}/`);
      return;
    }

    if (stats.nlink > 1n) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = this.links.get(inode);
      if (first !== undefined) {
        header.type = 'link';
        header.linkname = first;
        header.xattrs = undefined;
        writeTarHeader(header, batch);
        return;
      }
      this.links.set(inode, archiveName);
    }

    switch (kind) {
      case S_IFREG: {
        const size = Number(stats.size);
        // Opened before the header is written, so a file gone since lstat fails cleanly,
        // and kept in this.file at once, so close() releases it if the header throws.
        if (size > 0) this.file = { fd: openSync(path, OPEN_FILE), path, size, remaining: size };
        header.size = size;
        writeTarHeader(header, batch);
        return;
      }
      case S_IFLNK:
        header.type = 'symlink';
        header.linkname = readlinkSync(path);
        break;
      case S_IFCHR:
      case S_IFBLK:
        header.type = kind === S_IFCHR ? 'character-device' : 'block-device';
        header.devmajor = deviceMajor(stats.rdev);
        header.devminor = deviceMinor(stats.rdev);
        break;
      case S_IFIFO:
        header.type = 'fifo';
        break;
      default:
        return;
    }
    writeTarHeader(header, batch);
  }

  /** Reads content straight into the batch: a small file in one read, a large one a buffer at a time. */
  private readFile(file: OpenFile, batch: TarBatch): void {
    const room = batch.room();
    const bytesRead = readSync(file.fd, room, 0, Math.min(room.length, file.remaining), null);
    if (bytesRead === 0) throw failedPrecondition(`${file.path} shrank while it was being archived`);
    batch.commit(bytesRead);
    file.remaining -= bytesRead;
    if (file.remaining > 0) return;
    this.file = null;
    closeSync(file.fd);
    const rest = file.size % TAR_BLOCK;
    if (rest !== 0) batch.zeros(TAR_BLOCK - rest);
  }
}

/** Byte order of the UTF-8 names, as the walk has always written them. */
function sortByteOrder(names: string[]): string[] {
  // Below U+D800 UTF-16 code units order like UTF-8 bytes, so plain sort() is byte order;
  // only names with surrogates or U+E000..U+FFFF need their bytes compared.
  if (!names.some((name) => WIDE.test(name))) return names.sort();
  return names
    .map((name) => ({ name, bytes: Buffer.from(name) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ name }) => name);
}
const WIDE = /[\ud800-\uffff]/;

/** A whiteout marker entry: empty regular file, mode 0, owned and dated as its source. */
function marker(name: string, uid: number, gid: number, mtime: number): TarHeader {
  return { name, type: 'file', mode: 0, uid, gid, mtime, size: 0 };
}

/** Whole seconds, rounded down (also before 1970). */
function seconds(ns: bigint): number {
  const whole = ns / 1_000_000_000n;
  return Number(ns < 0n && whole * 1_000_000_000n !== ns ? whole - 1n : whole);
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor encoding). */
function deviceMajor(rdev: bigint): number {
  return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}

function deviceMinor(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}
