import { chmodSync, lchownSync, linkSync, lstatSync, readdirSync } from 'node:fs';
import { getAttributeSync, listAttributesSync, setAttributeSync } from 'fs-xattr';
import { BerthError, isErrno } from '../lib/index.js';
import { badEntry } from './entry-name.js';
import { LowerView, OVERLAY_OPAQUE_XATTR } from './lower-view.js';
import { mknodSync } from './mknod.js';
import type { RootResolver } from './root-resolver.js';
import { applyXattrs } from './xattrs.js';

interface Pending {
  /** Real directory (relative to the root), resolved at the entry; null if it was missing then. */
  dir: string | null;
  /** The entry's lexical parent, for a directory that was missing at the entry. */
  parent: string;
  /** The whited-out name; null for an opaque marker. */
  name: string | null;
  entryName: string;
}

/**
 * Whiteouts in overlay form, for a layer applied into its own empty directory (a snapshot
 * that overlayfs stacks later), as containerd's overlay snapshotter stores them:
 * `.wh.NAME` becomes a character device 0/0 named NAME (root-owned, mode 0, as overlayfs
 * makes them), and `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its directory.
 *
 * A whiteout hides lower content only (image-spec): whatever this layer itself puts at a
 * whited-out path wins, in any entry order. So whiteouts are made at the end, and only
 * where the layer left nothing; where it left a directory, that directory is made opaque
 * instead, since in a merged view its lower namesake would otherwise show through. The
 * same goes for a directory that replaced something else of this layer (a file, a link, a
 * directory removed in between): what it replaced had hidden the lower entry entirely.
 *
 * With the parent layers known (a LowerView), a whiteout or opaque mark is made only where
 * it hides something: overlayfs lists a directory present in one layer only without
 * filtering, so a whiteout there would show up as a name that cannot be opened. Directories
 * a whiteout needs but this layer lacks are then made with the lower directory's owner,
 * mode and attributes (see copyLowerDirectory), as overlayfs' copy-up does. Without the
 * parent layers, every whiteout is made and its directories are created 0755, as
 * containerd does.
 *
 * overlayfs ignores the opaque attribute on a layer's root directory, so an opaque marker
 * at the root becomes a whiteout for every name visible in the parent layers plus opaque
 * marks on the layer's own top-level directories; that needs the parent layers.
 *
 * Whiteouts share one inode through hardlinks (overlayfs itself does this since Linux
 * 5.8): it identifies them by type and device number only, and a process per whiteout
 * costs ~5 ms, against microseconds for link(2).
 */
export class OverlayWhiteouts {
  private readonly pending: Pending[] = [];
  /** Real directories to mark opaque → the entry that asked, for error messages. */
  private readonly opaque = new Map<string, string>();
  private rootOpaque: string | null = null;
  /** A whiteout already made, to hardlink new ones to. */
  private template: string | null = null;

  constructor(
    private readonly resolver: RootResolver,
    /** The parent layers' merged view; undefined when the caller did not give them. */
    private readonly lower: LowerView | undefined,
  ) {}

  /** `.wh.NAME` under lexical `parent`, which resolved to real `dir` (null: missing). */
  whiteout(dir: string | null, parent: string, name: string, entryName: string): void {
    this.pending.push({ dir, parent, name, entryName });
  }

  /** `.wh..wh..opq` in lexical directory `parent`, which resolved to real `dir` (null: missing). */
  opaqueMarker(dir: string | null, parent: string, entryName: string): void {
    if (dir !== '') {
      this.pending.push({ dir, parent, name: null, entryName });
      return;
    }
    if (this.lower === undefined) {
      throw badEntry(entryName, 'an opaque marker at the layer root needs the parent layers (parentLayers) in overlay mode');
    }
    this.rootOpaque = entryName;
  }

  /** A directory entry of this layer replaced a non-directory at `rel`. */
  directoryReplaced(rel: string, entryName: string): void {
    this.opaque.set(rel, entryName);
  }

  /**
   * Gives directory `rel`, just created because an entry implied it, the metadata of the
   * lower directory it stands for, if any: in a merged view the upper directory's own
   * metadata is what shows.
   */
  copyLowerDirectory(rel: string, sameOwner: boolean): number | undefined {
    const found = this.lower?.lookup(rel);
    if (found === undefined || !found.stats.isDirectory()) return undefined;
    const path = this.resolver.abs(rel);
    if (sameOwner) lchownSync(path, found.stats.uid, found.stats.gid);
    chmodSync(path, found.stats.mode & 0o7777);
    const xattrs = new Map<string, Buffer>();
    for (const name of listAttributesSync(found.path)) xattrs.set(name, getAttributeSync(found.path, name));
    applyXattrs(path, xattrs);
    return found.stats.mode;
  }

  /** Makes the whiteouts and opaque marks; call once every entry is written. */
  finish(): void {
    // Shallow first, whiteouts before opaque markers of the same path: a directory made
    // for a marker or a deeper whiteout must not turn a whiteout of that very path (or of
    // an ancestor) into an opaque mark, as if this layer had added the directory.
    const depth = (item: Pending): number => {
      const path = item.dir ?? item.parent;
      return (path === '' ? 0 : path.split('/').length) + (item.name === null ? 0.5 : 1);
    };
    const ordered = this.pending.map((item) => ({ item, depth: depth(item) })).sort((a, b) => a.depth - b.depth);
    for (const { item } of ordered) {
      const rel = this.place(item);
      if (rel === null) continue;
      if (item.name === null) {
        this.opaque.set(rel, item.entryName);
        continue;
      }
      const st = lstatSync(this.resolver.abs(rel), { throwIfNoEntry: false });
      if (st === undefined) this.makeWhiteout(rel, item.entryName);
      else if (st.isDirectory()) this.opaque.set(rel, item.entryName);
      // Anything else this layer put there hides the lower entry already.
    }
    if (this.rootOpaque !== null) this.hideLowerRoot(this.rootOpaque);
    for (const [rel, entryName] of this.opaque) {
      // Never through or onto a link: only a chain of real directories is marked.
      if (rel !== '' && this.resolver.isPlainDirectory(rel)) this.markOpaque(rel, entryName);
    }
  }

  /**
   * Where a pending whiteout (its path) or opaque marker (its directory) goes, creating
   * missing directories on the way; null when it hides nothing.
   */
  private place(item: Pending): string | null {
    const join = (dir: string): string => (item.name === null ? dir : dir === '' ? item.name : `${dir}/${item.name}`);
    if (item.dir !== null) {
      // A directory replaced by something else of this layer hides the lower one whole.
      if (!this.resolver.isPlainDirectory(item.dir)) return null;
      const rel = join(item.dir);
      return this.lower === undefined || this.lower.lookup(rel) !== undefined ? rel : null;
    }
    // Missing at the entry: its lexical path, if what this layer has of it is plain
    // directories (a link or file of this layer on the way hides the lower path whole).
    const parts = item.parent.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const st = lstatSync(this.resolver.abs(parts.slice(0, i).join('/')), { throwIfNoEntry: false });
      if (st === undefined) break;
      if (!st.isDirectory()) return null;
    }
    if (this.lower !== undefined && this.lower.lookup(join(item.parent)) === undefined) return null;
    return join(this.resolver.resolveCreating(item.parent, item.entryName));
  }

  private hideLowerRoot(entryName: string): void {
    const own = new Set(readdirSync(this.resolver.root));
    for (const name of own) {
      if (lstatSync(this.resolver.abs(name)).isDirectory()) this.opaque.set(name, entryName);
    }
    for (const name of this.lower?.rootNames() ?? []) {
      if (!own.has(name)) this.makeWhiteout(name, entryName);
    }
  }

  private makeWhiteout(rel: string, entryName: string): void {
    const path = this.resolver.abs(rel);
    if (this.template !== null) {
      try {
        linkSync(this.template, path);
        return;
      } catch (err) {
        // EMLINK: the template is at the file system's link limit; start a new one.
        if (!isErrno(err, 'EMLINK')) throw err;
      }
    }
    mknodSync(path, ['c', '0', '0'], entryName, 0);
    lchownSync(path, 0, 0);
    this.template = path;
  }

  private markOpaque(rel: string, entryName: string): void {
    try {
      setAttributeSync(this.resolver.abs(rel), OVERLAY_OPAQUE_XATTR, 'y');
    } catch (err) {
      const unsupported = isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP') || isErrno(err, 'EPERM');
      throw new BerthError(
        unsupported ? 'failed-precondition' : 'internal',
        `layer entry ${JSON.stringify(entryName)}: cannot mark ${JSON.stringify(rel)} opaque: ${String(err)}`,
        { cause: err },
      );
    }
  }
}
