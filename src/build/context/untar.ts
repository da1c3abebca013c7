import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  chmodSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../lib/index.js';
import type { TarEntryHandler, TarEntrySink, TarReadHeader } from '../../layers/index.js';
import { cleanPath } from './gopath.js';
import { fileHashes } from './hash-cache.js';
import { resolveScoped } from './scoped.js';
import { writeXattrs } from './xattrs.js';

// O_EXCL: a file is always created fresh, so an existing symlink is never written through.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const MAX_ID = 0xfffffffe;
const ROOT = { uid: 0, gid: 0 };
// overlayfs reads its own xattrs to find whiteouts and redirects: never take them from a tar.
const OVERLAY_XATTR = /^(trusted|user)\.overlay\./;

/**
 * Extracts an uncompressed tar into `root` (a real directory path) as Docker's Untar does
 * for build contexts and ADD, which runs chrooted into the destination: absolute names and
 * link targets start at `root`, a name whose `..` climbs above it is refused, symlinks on
 * the way are followed inside `root`, and the last component is never followed (what is
 * there is replaced). Unlike a layer, `.wh.` names are plain files here. Owners, modes,
 * times and xattrs are kept.
 */
export async function untar(tar: Readable, root: string): Promise<void> {
  const { TarReader } = await import('../../layers/index.js');
  const writer = new UntarWriter(root);
  const reader = new TarReader(writer);
  try {
    for await (const chunk of tar as AsyncIterable<Buffer>) reader.push(chunk);
    reader.end();
    writer.finish();
  } finally {
    writer.close();
  }
}

function refuse(name: string, reason: string): Error {
  return invalidArgument(`archive entry ${JSON.stringify(name)}: ${reason}`);
}

class UntarWriter implements TarEntryHandler {
  /** Lexical parent → resolved host directory; cleared whenever a link or directory goes or comes. */
  private readonly parents = new Map<string, string>();
  private readonly dirTimes: [string, number, number][] = [];
  private openFd: number | null = null;

  constructor(private readonly root: string) {}

  entry(h: TarReadHeader): TarEntrySink | null {
    if (h.name.includes('\0')) throw refuse(h.name, 'the name contains a NUL byte');
    const rel = this.relative(h.name, h.name);
    if (rel === '') return null; // the root itself stays as it is
    if (h.type === 'unsupported') throw refuse(h.name, `unsupported entry type ${JSON.stringify(h.typeflag)}`);
    if (h.uid > MAX_ID || h.gid > MAX_ID) throw refuse(h.name, `owner ${h.uid}:${h.gid} is out of range`);
    const slash = rel.lastIndexOf('/');
    const parent = this.parent(slash < 0 ? '' : rel.slice(0, slash), h.name);
    const path = `${parent}/${rel.slice(slash + 1)}`;
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (existing !== undefined && !(existing.isDirectory() && h.type === 'directory')) {
      if (existing.isDirectory()) rmSync(path, { recursive: true, force: true });
      else unlinkSync(path);
      if (existing.isDirectory() || existing.isSymbolicLink()) this.parents.clear();
    }
    switch (h.type) {
      case 'file':
        return this.file(h, path);
      case 'directory':
        if (existing === undefined || !existing.isDirectory()) mkdirSync(path, 0o700);
        this.metadata(h, path);
        this.dirTimes.push([path, h.atime, h.mtime]);
        return null;
      case 'symlink':
        if (h.linkname === '') throw refuse(h.name, 'symlink has an empty target');
        // Stored as is: it is only ever resolved inside `root`.
        symlinkSync(h.linkname, path);
        lchownSync(path, h.uid, h.gid);
        lutimesSync(path, h.atime, h.mtime);
        this.parents.clear();
        return null;
      case 'hardlink':
        this.hardlink(h, path);
        return null;
      default:
        this.special(h, path);
        return null;
    }
  }

  finish(): void {
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [path, atime, mtime] = this.dirTimes[i] as [string, number, number];
      const st = lstatSync(path, { throwIfNoEntry: false });
      // A later entry may have replaced it by something else: never touch that.
      if (st?.isDirectory()) lutimesSync(path, atime, mtime);
    }
  }

  close(): void {
    if (this.openFd !== null) closeSync(this.openFd);
    this.openFd = null;
  }

  /** The cleaned in-root path of an entry name ('' for the root). */
  private relative(name: string, entry: string): string {
    const clean = cleanPath(`/${name}`);
    // A `..` above the root: Docker refuses it as a breakout (cleaning `/..` hides it).
    if (cleanPath(name.startsWith('/') ? name.slice(1) : name).startsWith('..')) {
      throw refuse(entry, `${JSON.stringify(name)} is outside of the destination`);
    }
    return clean === '/' ? '' : clean.slice(1);
  }

  private parent(rel: string, entry: string): string {
    const hit = this.parents.get(rel);
    if (hit !== undefined) return hit;
    let host: string;
    try {
      host = resolveScoped(this.root, rel, { owner: ROOT, createLast: true });
    } catch (err) {
      throw refuse(entry, (err as Error).message);
    }
    if (!lstatSync(host).isDirectory()) throw refuse(entry, `parent /${rel} is not a directory`);
    this.parents.set(rel, host);
    return host;
  }

  private file(h: TarReadHeader, path: string): TarEntrySink {
    const fd = openSync(path, CREATE_FILE, 0o600);
    this.openFd = fd;
    // Hashed on the way in, so that the first COPY of a fresh context reads nothing again.
    const hash = createHash('sha256');
    return {
      write: (chunk) => {
        hash.update(chunk);
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
      },
      end: () => {
        fchownSync(fd, h.uid, h.gid);
        // After chown, which clears setuid and setgid.
        fchmodSync(fd, h.mode);
        if (h.xattrs) writeXattrs(path, xattrsOf(h));
        futimesSync(fd, h.atime, h.mtime);
        fileHashes.remember(path, fstatSync(fd, { bigint: true }), hash.digest('hex'));
        this.openFd = null;
        closeSync(fd);
      },
    };
  }

  private hardlink(h: TarReadHeader, path: string): void {
    const rel = this.relative(h.linkname, h.name);
    if (rel === '') throw refuse(h.name, 'hardlink target is the root');
    const slash = rel.lastIndexOf('/');
    const dir = resolveScoped(this.root, slash < 0 ? '' : rel.slice(0, slash));
    const target = `${dir}/${rel.slice(slash + 1)}`;
    // The last component is not followed: link(2) links a symlink itself.
    const st = lstatSync(target, { throwIfNoEntry: false });
    if (st === undefined) throw refuse(h.name, `hardlink target ${JSON.stringify(h.linkname)} does not exist`);
    if (st.isDirectory()) throw refuse(h.name, `hardlink target ${JSON.stringify(h.linkname)} is a directory`);
    if (target === path) return;
    linkSync(target, path);
  }

  private special(h: TarReadHeader, path: string): void {
    const args = h.type === 'fifo' ? [path, 'p'] : [path, h.type === 'char-device' ? 'c' : 'b', String(h.devmajor), String(h.devminor)];
    const result = spawnSync('mknod', args, { encoding: 'utf8' });
    if (result.status !== 0) throw refuse(h.name, `mknod failed: ${result.stderr?.trim() || result.error?.message}`);
    this.metadata(h, path);
    lutimesSync(path, h.atime, h.mtime);
  }

  /** Owner, mode and xattrs of a path that is not a symlink. */
  private metadata(h: TarReadHeader, path: string): void {
    lchownSync(path, h.uid, h.gid);
    chmodSync(path, h.mode);
    if (h.xattrs) writeXattrs(path, xattrsOf(h));
  }
}

function xattrsOf(h: TarReadHeader): [string, Buffer][] {
  return [...(h.xattrs ?? new Map<string, Buffer>())].filter(([name]) => !OVERLAY_XATTR.test(name));
}

