import { chmodSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { badEntry } from './entry-name.js';

// Linux gives up after 40 links (MAXSYMLINKS); so do we.
const MAX_SYMLINKS = 40;

/**
 * Resolves directories inside a root as if the process were chrooted there: absolute link
 * targets start at the root, and a `..` that would climb above it is refused as an escape
 * (the kernel would clamp it; refusing is the stricter reading). Every component is checked
 * with lstat, so the result is a chain of real directories, never a link.
 *
 * Results are cached. The caller must call invalidate() whenever it removes or replaces a
 * directory or a symlink, because cached resolutions may run through it. The cache assumes
 * nobody else changes the tree while a layer is applied (the target is a fresh snapshot).
 */
export class RootResolver {
  /** Real paths (relative, '' = root) known to be real directories. */
  private readonly dirs = new Set<string>(['']);
  /** Real directories with the setgid bit: what is created in them takes their group. */
  private readonly setgid = new Set<string>();
  /** Lexical directory path → resolved real path. */
  private readonly resolved = new Map<string, string>();

  constructor(
    readonly root: string,
    rootIsSetgid: boolean,
    /** Called for each directory that resolve() had to create. */
    private readonly onCreate: (rel: string) => void = () => {},
  ) {
    if (rootIsSetgid) this.setgid.add('');
  }

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  invalidate(): void {
    this.dirs.clear();
    this.dirs.add('');
    const rootIsSetgid = this.setgid.has('');
    this.setgid.clear();
    if (rootIsSetgid) this.setgid.add('');
    this.resolved.clear();
  }

  /** Records a directory the caller created itself, with the mode it set. */
  noteDirectory(rel: string, mode: number): void {
    this.dirs.add(rel);
    if (mode & 0o2000) this.setgid.add(rel);
    else this.setgid.delete(rel);
  }

  /** Whether new entries in resolved directory `rel` inherit its group. */
  isSetgid(rel: string): boolean {
    return this.setgid.has(rel);
  }

  /**
   * Resolves the lexical directory `path` (clean components joined by '/') to a real
   * relative path, creating missing directories (0755). Errors name `entryName`.
   */
  resolveCreating(path: string, entryName: string): string {
    return this.walk(path, entryName, true) as string;
  }

  /** As resolveCreating, but null when a directory on the way does not exist. */
  lookup(path: string, entryName: string): string | null {
    return this.walk(path, entryName, false);
  }

  private walk(path: string, entryName: string, create: boolean): string | null {
    const hit = this.resolved.get(path);
    if (hit !== undefined) return hit;

    // Components still to walk, last one first, so that a symlink can push its target.
    const pending = path === '' ? [] : path.split('/').reverse();
    let current = '';
    let links = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (current === '') throw badEntry(entryName, 'path resolves through a symlink that leaves the layer root');
        const slash = current.lastIndexOf('/');
        current = slash < 0 ? '' : current.slice(0, slash);
        continue;
      }
      const next = current === '' ? part : `${current}/${part}`;
      if (this.dirs.has(next)) {
        current = next;
        continue;
      }
      const st = lstatSync(this.abs(next), { throwIfNoEntry: false });
      if (st === undefined) {
        if (!create) return null;
        mkdirSync(this.abs(next), 0o755);
        // mkdir honours the umask; parents must be 0755 whatever it is.
        chmodSync(this.abs(next), 0o755);
        this.dirs.add(next);
        this.onCreate(next);
        current = next;
      } else if (st.isDirectory()) {
        this.dirs.add(next);
        if (st.mode & 0o2000) this.setgid.add(next);
        current = next;
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw badEntry(entryName, 'too many levels of symbolic links');
        const target = readlinkSync(this.abs(next));
        if (target === '') throw badEntry(entryName, `parent ${JSON.stringify(next)} is an empty symlink`);
        if (target.startsWith('/')) current = '';
        const parts = target.split('/');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
      } else {
        throw badEntry(entryName, `parent ${JSON.stringify(next)} is not a directory`);
      }
    }
    this.resolved.set(path, current);
    return current;
  }

  /** True when every component of `rel` is a real directory (no link on the way). */
  isPlainDirectory(rel: string): boolean {
    if (this.dirs.has(rel)) return true;
    let current = '';
    for (const part of rel.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      if (this.dirs.has(current)) continue;
      const st = lstatSync(this.abs(current), { throwIfNoEntry: false });
      if (st === undefined || !st.isDirectory()) return false;
      this.dirs.add(current);
    }
    return true;
  }
}
