import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { isErrno } from '../lib/index.js';
import { badEntry, splitEntryName, whiteoutOf, type WhiteoutKind } from './entry-name.js';
import { RootResolver } from './root-resolver.js';
import type { TarEntryHandler, TarEntrySink, TarHeader } from './tar-reader.js';
import { creationDefaults, type CreationDefaults } from './creation-defaults.js';
import { mknodSync } from './mknod.js';
import { LowerView } from './lower-view.js';
import { OverlayWhiteouts } from './overlay-whiteouts.js';
import { applyXattrs } from './xattrs.js';

/**
 * How whiteouts (`.wh.NAME`, `.wh..wh..opq`) are applied:
 * - 'delete': remove the lower content they name from the target, which holds the lower
 *   layers (a plain directory, or a snapshot's merged view).
 * - 'overlay': the target is the layer's own empty directory, to be stacked by overlayfs;
 *   whiteouts are written in overlayfs form (see OverlayWhiteouts).
 */
export type WhiteoutMode = 'delete' | 'overlay';

export interface WriteOptions {
  /** Keep the applying user as owner instead of the uid/gid in the layer (tar --no-same-owner). */
  noSameOwner?: boolean;
  /** Default 'delete'. */
  whiteouts?: WhiteoutMode;
  /**
   * 'overlay' only: the parent chain's layer directories, topmost first (what
   * Snapshotter.lowerDirs gives; [] for a bottom layer), read but never written. With
   * them, whiteouts and opaque marks are made only where they hide something, and
   * directories the layer implies without entries take the lower directory's metadata.
   * A layer that marks its root opaque is refused without them: overlayfs ignores that
   * mark on a layer root, so it becomes whiteouts of what they hold.
   */
  parentLayers?: readonly string[];
}

// O_EXCL: a file is always created fresh, so an existing symlink is never written through.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
// chown(2) takes (uid_t)-1 as "leave unchanged"; anything above is not a real id.
const MAX_ID = 0xfffffffe;

/**
 * Writes tar entries into a root directory with layer semantics (whiteouts, opaque
 * directories, replace-on-conflict), all through sync fs calls: per entry they are several
 * times cheaper than promises, and content arrives chunk by chunk so nothing large is held.
 *
 * Safety rests on three rules: entry names are lexically confined (splitEntryName), parent
 * directories are resolved by RootResolver (links chrooted, escapes refused), and the last
 * component is never followed (O_EXCL|O_NOFOLLOW, lchown, lutimes, unlink-then-create).
 */
export class LayerWriter implements TarEntryHandler {
  private readonly resolver: RootResolver;
  private readonly sameOwner: boolean;
  /** Real paths this layer wrote; whiteouts and opaque markers must keep them. */
  private readonly written = new Set<string>();
  /** Directories holding something this layer wrote. */
  private readonly ancestors = new Set<string>();
  /** Directory times, set at the end because writing children changes them. */
  private readonly dirTimes = new Map<string, [number, number]>();
  private openFd: number | null = null;
  /** Parent of the last entry, whose ancestors markWritten already recorded. */
  private lastParent: string | null = null;
  private readonly defaults: CreationDefaults = creationDefaults();
  /** Set in overlay mode: whiteouts are converted instead of deleting. */
  private readonly overlay: OverlayWhiteouts | null;

  constructor(root: string, rootIsSetgid: boolean, options: WriteOptions = {}) {
    this.resolver = new RootResolver(root, rootIsSetgid, (rel) => this.created(rel));
    this.sameOwner = !options.noSameOwner;
    const lower = options.parentLayers === undefined ? undefined : new LowerView(options.parentLayers);
    this.overlay = options.whiteouts === 'overlay' ? new OverlayWhiteouts(this.resolver, lower) : null;
  }

  entry(h: TarHeader): TarEntrySink | null {
    const parts = splitEntryName(h.name);
    const base = parts.pop();
    if (base === undefined) {
      // The root belongs to the snapshot, not the layer (containerd ignores it too).
      if (h.type === 'directory') return null;
      throw badEntry(h.name, 'only a directory may name the layer root');
    }
    const parent = parts.join('/');
    const whiteout = whiteoutOf(h.name, base);
    if (whiteout.kind !== 'none') {
      this.whiteout(h.name, parent, whiteout);
      return null;
    }
    if (h.type === 'unsupported') throw badEntry(h.name, `unsupported tar entry type ${JSON.stringify(h.typeflag)}`);
    if (h.uid > MAX_ID || h.gid > MAX_ID) throw badEntry(h.name, `owner ${h.uid}:${h.gid} is out of range`);

    const dir = this.resolver.resolveCreating(parent, h.name);
    const rel = dir === '' ? base : `${dir}/${base}`;
    const path = this.resolver.abs(rel);
    switch (h.type) {
      case 'file':
        this.markWritten(rel);
        return this.file(h, dir, rel, path);
      case 'directory':
        this.directory(h, rel, path);
        break;
      case 'symlink':
        this.symlink(h, rel, path);
        break;
      case 'hardlink':
        this.hardlink(h, rel, path);
        break;
      case 'char-device':
      case 'block-device':
      case 'fifo':
        this.special(h, rel, path);
        break;
    }
    this.markWritten(rel);
    return null;
  }

  /** Makes overlay whiteouts, then sets directory times; call once every entry is written. */
  finish(): void {
    // First: a whiteout made in a directory changes its mtime.
    this.overlay?.finish();
    for (const [rel, [atime, mtime]] of this.dirTimes) {
      // A later entry may have replaced a directory on the way by a symlink: never follow.
      if (this.resolver.isPlainDirectory(rel)) lutimesSync(this.resolver.abs(rel), atime, mtime);
    }
  }

  /** Releases what an entry cut short by an error left open. */
  close(): void {
    if (this.openFd !== null) closeSync(this.openFd);
    this.openFd = null;
  }

  private file(h: TarHeader, dir: string, rel: string, path: string): TarEntrySink {
    // Created with its final permission bits, so that fchown and fchmod, a third of the
    // syscalls per file, can be skipped when they would change nothing.
    const { uid, gid, umask } = this.defaults;
    const chown = this.sameOwner && (h.uid !== uid || h.gid !== gid || this.resolver.isSetgid(dir));
    const chmod = umask === null || (h.mode & (umask | 0o7000)) !== 0;
    let fd: number;
    try {
      fd = openSync(path, CREATE_FILE, h.mode & 0o777);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.remove(rel, path, lstatSync(path));
      fd = openSync(path, CREATE_FILE, h.mode & 0o777);
    }
    this.openFd = fd;
    return {
      write: (chunk) => {
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
      },
      end: () => {
        if (chown) fchownSync(fd, h.uid, h.gid);
        // After chown, which clears setuid/setgid.
        if (chmod) fchmodSync(fd, h.mode);
        // After chown and the last write, both of which drop security.capability.
        if (h.xattrs) applyXattrs(path, h.xattrs);
        futimesSync(fd, h.atime, h.mtime);
        this.openFd = null;
        closeSync(fd);
      },
    };
  }

  private directory(h: TarHeader, rel: string, path: string): void {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const st = lstatSync(path);
      // A directory over a directory merges; only its metadata changes.
      if (!st.isDirectory()) {
        this.remove(rel, path, st);
        mkdirSync(path, 0o700);
        // What it replaced was this layer's and hid the lower entry: keep it hidden.
        this.overlay?.directoryReplaced(rel, h.name);
      }
    }
    this.setMetadata(h, path);
    this.resolver.noteDirectory(rel, h.mode);
    this.dirTimes.set(rel, [h.atime, h.mtime]);
  }

  private symlink(h: TarHeader, rel: string, path: string): void {
    // The target is stored as is: it is only ever resolved inside the container's root.
    if (h.linkname === '') throw badEntry(h.name, 'symlink has an empty target');
    try {
      symlinkSync(h.linkname, path);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.remove(rel, path, lstatSync(path));
      symlinkSync(h.linkname, path);
    }
    if (this.sameOwner) lchownSync(path, h.uid, h.gid);
    // No chmod (it would follow the link) and no xattrs (fs-xattr follows links).
    lutimesSync(path, h.atime, h.mtime);
  }

  private hardlink(h: TarHeader, rel: string, path: string): void {
    const parts = splitEntryName(h.linkname, h.name, 'hardlink target');
    const base = parts.pop();
    if (base === undefined) throw badEntry(h.name, 'hardlink target is the layer root');
    const dir = this.resolver.lookup(parts.join('/'), h.name);
    const targetRel = dir === null ? null : dir === '' ? base : `${dir}/${base}`;
    // The last component is not followed: link(2) links a symlink itself.
    const target = targetRel === null ? undefined : lstatSync(this.resolver.abs(targetRel), { throwIfNoEntry: false });
    if (targetRel === null || target === undefined) {
      throw badEntry(h.name, `hardlink target ${JSON.stringify(h.linkname)} does not exist`);
    }
    if (target.isDirectory()) throw badEntry(h.name, `hardlink target ${JSON.stringify(h.linkname)} is a directory`);
    if (targetRel === rel) return;
    const targetPath = this.resolver.abs(targetRel);
    try {
      linkSync(targetPath, path);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const st = lstatSync(path);
      if (st.ino === target.ino && st.dev === target.dev) return;
      this.remove(rel, path, st);
      linkSync(targetPath, path);
    }
    // Metadata belongs to the shared inode, which its own entry already set.
  }

  private special(h: TarHeader, rel: string, path: string): void {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st !== undefined) this.remove(rel, path, st);
    // Node has no mknod(2); these entries are rare enough for a process each.
    const args = h.type === 'fifo' ? ['p'] : [h.type === 'char-device' ? 'c' : 'b', String(h.devmajor), String(h.devminor)];
    mknodSync(path, args, h.name);
    this.setMetadata(h, path);
    lutimesSync(path, h.atime, h.mtime);
  }

  /** Owner, mode and xattrs of an entry that is not a symlink (chmod would follow one). */
  private setMetadata(h: TarHeader, path: string): void {
    if (this.sameOwner) lchownSync(path, h.uid, h.gid);
    chmodSync(path, h.mode);
    if (h.xattrs) applyXattrs(path, h.xattrs);
  }

  private whiteout(name: string, parent: string, whiteout: WhiteoutKind): void {
    if (whiteout.kind === 'none' || whiteout.kind === 'meta') return;
    if (this.overlay !== null) {
      // Kept for the end; a missing directory is made then, if the whiteout needs it.
      const dir = this.resolver.lookup(parent, name);
      if (whiteout.kind === 'opaque') this.overlay.opaqueMarker(dir, parent, name);
      else this.overlay.whiteout(dir, parent, whiteout.victim, name);
      return;
    }
    const dir = this.resolver.lookup(parent, name);
    if (dir === null) return; // nothing below to hide
    if (whiteout.kind === 'opaque') {
      this.hideLower(dir);
      return;
    }
    const rel = dir === '' ? whiteout.victim : `${dir}/${whiteout.victim}`;
    const path = this.resolver.abs(rel);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    // A whiteout hides lower content only (image-spec): what this layer wrote stays.
    if (this.isOurs(rel)) {
      if (st.isDirectory()) this.hideLower(rel);
      return;
    }
    this.remove(rel, path, st);
  }

  /** Empties directory `rel` of everything this layer did not write, at any depth. */
  private hideLower(rel: string): void {
    const path = this.resolver.abs(rel);
    for (const name of readdirSync(path)) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const childPath = `${path}/${name}`;
      const st = lstatSync(childPath);
      if (this.isOurs(child)) {
        if (st.isDirectory()) this.hideLower(child);
      } else {
        this.remove(child, childPath, st);
      }
    }
  }

  /** Removes whatever is at `path` without following it. */
  private remove(rel: string, path: string, st: Stats): void {
    if (st.isDirectory()) {
      rmSync(path, { recursive: true, force: true });
      this.dirTimes.delete(rel);
    } else {
      unlinkSync(path);
    }
    // Cached resolutions may run through a removed directory or link.
    if (st.isDirectory() || st.isSymbolicLink()) this.resolver.invalidate();
  }

  /** A directory the resolver created because an entry implied it. */
  private created(rel: string): void {
    this.markWritten(rel);
    const mode = this.overlay?.copyLowerDirectory(rel, this.sameOwner);
    if (mode !== undefined) this.resolver.noteDirectory(rel, mode);
  }

  private isOurs(rel: string): boolean {
    return this.written.has(rel) || this.ancestors.has(rel);
  }

  private markWritten(rel: string): void {
    this.written.add(rel);
    // Entries of one directory come together: its ancestors are recorded once.
    const slash = rel.lastIndexOf('/');
    const parent = slash < 0 ? '' : rel.slice(0, slash);
    if (parent === this.lastParent) return;
    this.lastParent = parent;
    for (let slash = rel.lastIndexOf('/'); slash > 0; slash = rel.lastIndexOf('/', slash - 1)) {
      const dir = rel.slice(0, slash);
      if (this.ancestors.has(dir)) break;
      this.ancestors.add(dir);
    }
  }
}
