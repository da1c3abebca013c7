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
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getAttribute, listAttributes } from 'fs-xattr';
import { failedPrecondition, invalidArgument, isErrno } from '../lib/index.js';
import { encodeTarHeader, TAR_END, tarPadding, type TarHeader } from './diff-tar.js';

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';

const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Upper dirs written with these cannot be read without their lowers: refuse them. */
const OVERLAY_UNSUPPORTED_XATTRS = ['trusted.overlay.redirect', 'trusted.overlay.metacopy'];
const READ_CHUNK = 1 << 20;

/** A layer tar of the changes recorded in an overlayfs upper directory. */
export function diffUpperDir(upper: string): Readable {
  return Readable.from(writeTree(upper, true), { objectMode: false });
}

/** A layer tar of a whole directory tree (no whiteout conversion). */
export function tarDirectory(dir: string): Readable {
  return Readable.from(writeTree(dir, false), { objectMode: false });
}

interface WalkState {
  readonly overlay: boolean;
  /** `dev:ino` → archive name of the first path written for that inode. */
  readonly links: Map<string, string>;
}

async function* writeTree(root: string, overlay: boolean): AsyncGenerator<Buffer> {
  let stats: BigIntStats;
  try {
    stats = await lstat(root, { bigint: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw invalidArgument(`${root} does not exist`, err);
    throw err;
  }
  if (!stats.isDirectory()) throw invalidArgument(`${root} is not a directory`);
  yield* writeDirectory(root, '', { overlay, links: new Map() });
  yield TAR_END;
}

async function* writeDirectory(dir: string, prefix: string, state: WalkState): AsyncGenerator<Buffer> {
  const names = (await readdir(dir)).sort(byteOrder);
  for (const name of names) {
    const path = join(dir, name);
    const archiveName = prefix + name;
    const stats = await lstat(path, { bigint: true });
    if (stats.isSocket()) continue;

    if (state.overlay && isWhiteout(stats)) {
      yield encodeTarHeader({ ...marker(stats), name: prefix + WHITEOUT_PREFIX + name });
      continue;
    }

    const xattrs = stats.isSymbolicLink() ? new Map<string, Buffer>() : await readXattrs(path, state.overlay);
    const opaque = xattrs.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
    for (const key of xattrs.keys()) if (key.startsWith(OVERLAY_XATTR_PREFIX)) xattrs.delete(key);
    const base = { name: archiveName, ...ownership(stats), xattrs };

    if (stats.isDirectory()) {
      yield encodeTarHeader({ ...base, type: 'directory' });
      if (state.overlay && opaque) yield encodeTarHeader({ ...marker(stats), name: `${archiveName}/${WHITEOUT_OPAQUE}` });
      yield* writeDirectory(path, `${archiveName}/`, state);
      continue;
    }

    if (stats.nlink > 1n) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = state.links.get(inode);
      if (first !== undefined) {
        yield encodeTarHeader({ ...base, xattrs: undefined, type: 'link', linkname: first });
        continue;
      }
      state.links.set(inode, archiveName);
    }

    if (stats.isFile()) {
      yield* writeFile(path, base);
    } else if (stats.isSymbolicLink()) {
      yield encodeTarHeader({ ...base, type: 'symlink', linkname: await readlink(path) });
    } else if (stats.isCharacterDevice() || stats.isBlockDevice()) {
      yield encodeTarHeader({
        ...base,
        type: stats.isCharacterDevice() ? 'character-device' : 'block-device',
        ...deviceNumbers(stats.rdev),
      });
    } else if (stats.isFIFO()) {
      yield encodeTarHeader({ ...base, type: 'fifo' });
    }
  }
}

async function* writeFile(path: string, base: Omit<TarHeader, 'type'>): AsyncGenerator<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const { size } = await handle.stat();
    yield encodeTarHeader({ ...base, type: 'file', size });
    let remaining = size;
    while (remaining > 0) {
      const chunk = Buffer.allocUnsafe(Math.min(remaining, READ_CHUNK));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, size - remaining);
      if (bytesRead === 0) throw failedPrecondition(`${path} shrank while it was being archived`);
      remaining -= bytesRead;
      yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
    }
    yield tarPadding(size);
  } finally {
    await handle.close();
  }
}

/** Overlayfs marks a deleted path with a 0/0 character device in the upper dir. */
function isWhiteout(stats: BigIntStats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0n;
}

/** A whiteout marker entry: empty regular file, mode 0, owned and dated as its source. */
function marker(stats: BigIntStats): Omit<TarHeader, 'name'> {
  return { type: 'file', mode: 0, uid: Number(stats.uid), gid: Number(stats.gid), mtime: seconds(stats), size: 0 };
}

function ownership(stats: BigIntStats): { mode: number; uid: number; gid: number; mtime: number } {
  return { mode: Number(stats.mode & 0o7777n), uid: Number(stats.uid), gid: Number(stats.gid), mtime: seconds(stats) };
}

function seconds(stats: BigIntStats): number {
  const ns = stats.mtimeNs;
  const whole = ns / 1_000_000_000n;
  return Number(ns < 0n && whole * 1_000_000_000n !== ns ? whole - 1n : whole);
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor encoding). */
function deviceNumbers(rdev: bigint): { devmajor: number; devminor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { devmajor: Number(major), devminor: Number(minor) };
}

/** All xattrs of a path that is not a symlink (fs-xattr follows symlinks). */
async function readXattrs(path: string, overlay: boolean): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await listAttributes(path);
  } catch (err) {
    if (isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP')) return result;
    throw err;
  }
  for (const name of names.sort()) {
    if (overlay && OVERLAY_UNSUPPORTED_XATTRS.includes(name)) {
      throw failedPrecondition(
        `${path} carries ${name}: the upper dir was written with redirect_dir or metacopy and cannot be diffed alone`,
      );
    }
    try {
      result.set(name, await getAttribute(path, name));
    } catch (err) {
      if (isErrno(err, 'ENODATA')) continue;
      throw err;
    }
  }
  return result;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
