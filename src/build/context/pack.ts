import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { patternMatcher } from './dockerignore.js';
import { cleanPath } from './gopath.js';
import type { IgnoreMatcher } from './index.js';

/** What the CLI adds to or keeps in the context beyond the directory's own files. */
export interface PackExtra {
  /** A Dockerfile from stdin (`-f -`) or from outside the context, added at the top as `name`. */
  dockerfile?: { name: string; content: Buffer };
  /** The Dockerfile's path inside the context (default `Dockerfile`): sent even when ignored. */
  dockerfilePath?: string;
}

const DOCKERIGNORE = '.dockerignore';

type EntryHeader = Partial<tar.Header> & { name: string };

/**
 * The build context as the docker CLI sends it: a tar of `dir` (sorted, owners 0:0,
 * symlinks as links, hardlinks as links) without what `.dockerignore` excludes, except
 * that the `.dockerignore` itself and the Dockerfile always go (the daemon needs them);
 * `extra.dockerfile` is added when the Dockerfile is not in the context.
 *
 * As the CLI does, an excluded directory is not descended into unless an exception
 * pattern starts with its path; its included descendants then go without its own entry.
 */
export function packContext(dir: string, ignore: IgnoreMatcher, extra: PackExtra = {}): Readable {
  const pack = tar.pack();
  const keep = [...ignore.patterns];
  if (ignore.excludes(DOCKERIGNORE)) keep.push(`!${DOCKERIGNORE}`);
  const dockerfilePath = cleanPath(extra.dockerfilePath ?? 'Dockerfile');
  if (extra.dockerfile === undefined && ignore.excludes(dockerfilePath)) keep.push(`!${dockerfilePath}`);
  const matcher = patternMatcher(keep);
  const exceptions = matcher.patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const links = new Map<string, string>();

  const walk = async (root: string, rel: string): Promise<void> => {
    const names = (await readdir(rel === '' ? root : `${root}/${rel}`)).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const full = `${root}/${childRel}`;
      const stat = await lstat(full);
      if (matcher.excludes(childRel)) {
        // Descend only where an exception may re-include something below.
        if (stat.isDirectory() && exceptions.some((p) => `${p}/`.startsWith(`${childRel}/`))) await walk(root, childRel);
        continue;
      }
      await addEntry(pack, full, childRel, stat, links);
      if (stat.isDirectory()) await walk(root, childRel);
    }
  };

  const run = async (): Promise<void> => {
    const root = await realpath(dir);
    await walk(root, '');
    if (extra.dockerfile !== undefined) {
      await write(pack, { name: extra.dockerfile.name, mode: 0o600, uid: 0, gid: 0, mtime: new Date(), type: 'file' }, extra.dockerfile.content);
    }
  };
  run().then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return Readable.from(pack);
}

function write(pack: tar.Pack, header: EntryHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

async function addEntry(pack: tar.Pack, full: string, name: string, stat: Stats, links: Map<string, string>): Promise<void> {
  const header: EntryHeader = { name, mode: stat.mode & 0o7777, mtime: stat.mtime, uid: 0, gid: 0 };
  if (stat.isDirectory()) return write(pack, { ...header, type: 'directory' });
  if (stat.isSymbolicLink()) return write(pack, { ...header, type: 'symlink', linkname: await readlink(full) });
  if (stat.isFIFO()) return write(pack, { ...header, type: 'fifo' });
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    const rdev = BigInt(stat.rdev);
    const devmajor = Number((rdev >> 8n) & 0xfffn);
    const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n));
    return write(pack, { ...header, type: stat.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
  }
  // Sockets cannot be archived; the CLI leaves them out too.
  if (!stat.isFile()) return;
  const inode = `${stat.dev}:${stat.ino}`;
  const first = stat.nlink > 1 ? links.get(inode) : undefined;
  if (first !== undefined) return write(pack, { ...header, type: 'link', linkname: first });
  if (stat.nlink > 1) links.set(inode, name);
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ ...header, type: 'file', size: stat.size }, (err) => (err ? reject(err) : resolve()));
    createReadStream(full).on('error', reject).pipe(entry);
  });
}
