import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { invalidArgument, notFound } from '../../lib/index.js';
import { cleanPath, containsWildcards, goMatch } from './gopath.js';
import type { FileHashCache } from './hash-cache.js';
import type { IgnoreMatcher } from './index.js';
import { resolveScoped } from './scoped.js';
import { readXattrs } from './xattrs.js';

/** One thing a COPY/ADD source holds: the source itself, or something below a directory. */
export interface SourceEntry {
  /** Path below the source ('' for the source itself). */
  rel: string;
  /** Host path; never followed, except the source itself, whose links are already resolved. */
  hostPath: string;
  stat: BigIntStats;
  /** Symlinks: the target as stored. */
  linkTarget?: string;
  /** Regular files: sha256 of the content. */
  sha256?: string;
  xattrs: [string, Buffer][];
}

/** A local source, resolved: what was written, what it is, and what it holds. */
export interface LocalSource {
  kind: 'file' | 'dir';
  /** The source as written, for messages. */
  orig: string;
  /** The file name a copy into a directory gets: the last component as written. */
  base: string;
  hostPath: string;
  /** A file: itself; a directory: its contents (not itself), parents before children. */
  entries: SourceEntry[];
}

/** What a COPY/ADD source list names in one source root. */
export class SourceResolver {
  private readonly hasExceptions: boolean;

  constructor(
    /** Real path of the source root. */
    private readonly root: string,
    private readonly cmd: 'COPY' | 'ADD',
    private readonly fromContext: boolean,
    private readonly ignore: IgnoreMatcher | undefined,
    private readonly hashes: FileHashCache,
  ) {
    this.hasExceptions = ignore?.patterns.some((p) => p.startsWith('!')) ?? false;
  }

  /** Every local source one written path names (several with wildcards, in walk order). */
  async resolve(orig: string): Promise<LocalSource[]> {
    let path = orig.startsWith('/') ? orig.slice(1) : orig;
    if (path.startsWith('./')) path = path.slice(2);
    if (!containsWildcards(path)) return [await this.resolveOne(orig, path)];
    try {
      goMatch(path, '.');
    } catch {
      throw invalidArgument(`${this.cmd} failed: syntax error in pattern ${JSON.stringify(orig)}`);
    }
    const found: LocalSource[] = [];
    for (const rel of this.walkNames('')) {
      if (goMatch(path, rel)) found.push(await this.resolveOne(rel, rel));
    }
    return found;
  }

  /** Paths below `dir` (relative to the root), depth first in name order, links not followed. */
  private *walkNames(dir: string): Generator<string> {
    for (const name of readdirSync(dir === '' ? this.root : `${this.root}/${dir}`).sort()) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      const isDir = lstatSync(`${this.root}/${rel}`).isDirectory();
      if (this.visible(rel, isDir)) yield rel;
      if (isDir && (this.hasExceptions || !this.excluded(rel))) yield* this.walkNames(rel);
    }
  }

  private excluded(rel: string): boolean {
    return rel !== '' && (this.ignore?.excludes(rel) ?? false);
  }

  /**
   * Whether the context has `rel`: it is not excluded, or it is a directory holding
   * something an exception re-includes (the CLI then sends that, and so its parents).
   */
  private visible(rel: string, isDir: boolean): boolean {
    if (!this.excluded(rel)) return true;
    if (!isDir || !this.hasExceptions) return false;
    for (const name of readdirSync(`${this.root}/${rel}`)) {
      const child = `${rel}/${name}`;
      if (this.visible(child, lstatSync(`${this.root}/${child}`).isDirectory())) return true;
    }
    return false;
  }

  private async resolveOne(orig: string, path: string): Promise<LocalSource> {
    const clean = cleanPath(path);
    if (clean === '..' || clean.startsWith('../')) {
      throw invalidArgument(`${this.cmd} failed: forbidden path outside the build context: ${orig} (${clean})`);
    }
    const hostPath = resolveScoped(this.root, clean);
    const rel = hostPath === this.root ? '' : hostPath.slice(this.root.length + 1);
    const stat = lstatSync(hostPath, { bigint: true, throwIfNoEntry: false });
    const base = clean === '.' ? '.' : (clean.split('/').pop() as string);
    if (stat === undefined || !this.visible(rel, stat.isDirectory())) {
      const where = this.fromContext ? 'file not found in build context or excluded by .dockerignore: ' : '';
      throw notFound(`${this.cmd} failed: ${where}stat ${path}: file does not exist`);
    }
    if (stat.isDirectory()) {
      const entries: SourceEntry[] = [];
      await this.walkTree(hostPath, rel, '', entries);
      return { kind: 'dir', orig, base, hostPath, entries };
    }
    if (!stat.isFile()) throw invalidArgument(`${this.cmd} failed: ${orig} is not a regular file or directory`);
    return { kind: 'file', orig, base, hostPath, entries: [await this.entry(hostPath, '', stat)] };
  }

  /**
   * Adds the contents of directory `hostDir` (at `rootRel` in the source root) to `out`,
   * leaving out what the ignore rules exclude; an excluded directory appears only when
   * something below it is re-included. Returns whether anything was added.
   */
  private async walkTree(hostDir: string, rootRel: string, rel: string, out: SourceEntry[]): Promise<boolean> {
    let added = false;
    for (const name of readdirSync(hostDir).sort()) {
      const childHost = `${hostDir}/${name}`;
      const childRootRel = rootRel === '' ? name : `${rootRel}/${name}`;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const stat = lstatSync(childHost, { bigint: true });
      if (stat.isSocket()) continue;
      const excluded = this.ignore?.excludes(childRootRel) ?? false;
      if (excluded && !(stat.isDirectory() && this.hasExceptions)) continue;
      const at = out.length;
      out.push(await this.entry(childHost, childRel, stat));
      if (stat.isDirectory()) {
        const below = await this.walkTree(childHost, childRootRel, childRel, out);
        if (excluded && !below) {
          out.splice(at, 1);
          continue;
        }
      }
      added = true;
    }
    return added;
  }

  private async entry(hostPath: string, rel: string, stat: BigIntStats): Promise<SourceEntry> {
    const entry: SourceEntry = { rel, hostPath, stat, xattrs: [] };
    if (stat.isSymbolicLink()) entry.linkTarget = readlinkSync(hostPath);
    else entry.xattrs = readXattrs(hostPath);
    if (stat.isFile()) entry.sha256 = await this.hashes.sha256(hostPath, stat);
    return entry;
  }
}
