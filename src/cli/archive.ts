import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BerthError, invalidArgument, isErrno } from '../lib/index.js';

/**
 * The local side of `berth cp`: packing a local path as a tar stream and extracting a
 * container's tar stream into a local directory.
 *
 * The extractor is written here rather than borrowed (the CLI imports no server module) and
 * rather than spawned (`tar -x`): GNU tar writes through a symlink that already sits in a
 * parent directory of a later member, it restores setuid bits and device nodes when run as
 * root, and docker's cp needs the archive's top entry renamed per entry. So it refuses
 * `..` and absolute names, never writes through a symlink, drops setuid/setgid bits,
 * skips devices and FIFOs, and leaves ownership to whoever runs it (as docker cp does).
 */

/**
 * Packs `src` (a file, directory or symlink, not followed) with its top entry named
 * `rootName`; with `rootName` null, a directory's contents go at the top (`cp dir/. …`).
 */
export function packPath(src: string, rootName: string | null): Readable {
  const pack = tar.pack();
  const links = new Map<string, string>();
  const add = async (full: string, name: string | null): Promise<void> => {
    const stat = await fs.promises.lstat(full);
    if (name !== null) await addEntry(pack, full, name, stat, links);
    if (!stat.isDirectory()) return;
    const children = (await fs.promises.readdir(full)).sort();
    for (const child of children) await add(path.join(full, child), name === null ? child : `${name}/${child}`);
  };
  add(src, rootName).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return Readable.from(pack);
}

async function addEntry(pack: tar.Pack, full: string, name: string, stat: fs.Stats, links: Map<string, string>): Promise<void> {
  const header: Partial<tar.Header> & { name: string } = { name, mode: stat.mode & 0o7777, mtime: stat.mtime, uid: stat.uid, gid: stat.gid };
  const write = (extra: Partial<tar.Header>, body?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ ...header, ...extra }, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
  if (stat.isDirectory()) return write({ type: 'directory' });
  if (stat.isSymbolicLink()) return write({ type: 'symlink', linkname: await fs.promises.readlink(full) });
  if (stat.isFIFO()) return write({ type: 'fifo' });
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    const major = Number((BigInt(stat.rdev) >> 8n) & 0xfffn);
    const minor = Number((BigInt(stat.rdev) & 0xffn) | ((BigInt(stat.rdev) >> 12n) & 0xfff00n));
    return write({ type: stat.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major, devminor: minor });
  }
  if (!stat.isFile()) return;
  const inode = `${stat.dev}:${stat.ino}`;
  const first = stat.nlink > 1 ? links.get(inode) : undefined;
  if (first !== undefined) return write({ type: 'link', linkname: first });
  if (stat.nlink > 1) links.set(inode, name);
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ ...header, type: 'file', size: stat.size }, (err) => (err ? reject(err) : resolve()));
    fs.createReadStream(full).on('error', reject).pipe(entry);
  });
}

/** Maps an archive name (already cleaned, `a/b`) to where it lands below the target, or null to skip it. */
export type Rename = (name: string) => string | null;

/** `a/./b/` → `a/b`; refuses absolute names and `..`. */
export function cleanName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidArgument(`refusing archive entry ${JSON.stringify(name)}: it climbs out of the target`);
  return parts.join('/');
}

/** Renames the top entry `from` (and everything below it) to `to`; `from` '' prefixes every name. */
export function rebase(from: string, to: string): Rename {
  return (name) => {
    if (from === '') return name === '' ? to : `${to}/${name}`;
    if (name === from) return to;
    if (name.startsWith(from + '/')) return `${to}${name.slice(from.length)}`;
    return name;
  };
}

/** Extracts a tar stream below `dir`, refusing every way out of it. */
export async function extractTar(input: Readable, dir: string, rename: Rename = (n) => n, warn: (text: string) => void = () => {}): Promise<void> {
  const root = path.resolve(dir);
  const extract = tar.extract();
  const dirTimes: Array<[string, number, Date]> = [];
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  for await (const entry of extract) {
    const header = entry.header;
    const mapped = rename(cleanName(header.name));
    if (mapped === null) {
      entry.resume();
      continue;
    }
    const relative = cleanName(mapped);
    const target = relative === '' ? root : path.join(root, relative);
    await ensureParents(root, target);
    const mode = (header.mode ?? 0o644) & 0o1777; // setuid and setgid bits are dropped
    switch (header.type) {
      case 'directory': {
        const existing = await lstatOrNull(target);
        if (existing && !existing.isDirectory()) throw conflictAt(target, 'a directory would replace a file');
        if (!existing) await fs.promises.mkdir(target, { mode: 0o700 });
        if (target !== root) dirTimes.push([target, mode, header.mtime ?? new Date()]);
        entry.resume();
        break;
      }
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null: {
        await clearFor(target);
        await new Promise<void>((resolve, reject) => {
          const out = fs.createWriteStream(target, { flags: 'wx', mode });
          out.on('error', reject).on('finish', resolve);
          entry.on('error', reject).pipe(out);
        });
        await fs.promises.chmod(target, mode);
        if (header.mtime) await fs.promises.utimes(target, header.mtime, header.mtime);
        break;
      }
      case 'symlink': {
        await clearFor(target);
        await fs.promises.symlink(header.linkname ?? '', target);
        if (header.mtime) await fs.promises.lutimes(target, header.mtime, header.mtime).catch(() => {});
        entry.resume();
        break;
      }
      case 'link': {
        const linked = rename(cleanName(header.linkname ?? ''));
        const source = linked === null ? null : path.join(root, cleanName(linked));
        const sourceStat = source ? await lstatOrNull(source) : null;
        if (!source || !sourceStat?.isFile() || !isInside(root, source)) throw invalidArgument(`refusing hard link ${JSON.stringify(header.name)}: its target is not a file copied here`);
        await ensureParents(root, source);
        await clearFor(target);
        await fs.promises.link(source, target);
        entry.resume();
        break;
      }
      default:
        warn(`skipping ${header.name}: ${header.type} entries are not copied\n`);
        entry.resume();
    }
  }
  // Directory modes last, deepest first, so read-only directories did not block their contents.
  for (const [target, mode, mtime] of dirTimes.reverse()) {
    await fs.promises.chmod(target, mode);
    await fs.promises.utimes(target, mtime, mtime);
  }
}

const isInside = (root: string, target: string): boolean => target === root || target.startsWith(root + path.sep);

/** Creates missing parents of `target` below `root`, refusing any that is a symlink or a file. */
async function ensureParents(root: string, target: string): Promise<void> {
  if (!isInside(root, target)) throw invalidArgument(`refusing ${target}: outside ${root}`);
  const parts = path.relative(root, path.dirname(target)).split(path.sep).filter(Boolean);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const stat = await lstatOrNull(current);
    if (!stat) await fs.promises.mkdir(current, { mode: 0o755 });
    else if (stat.isSymbolicLink()) throw invalidArgument(`refusing to write through the symbolic link ${current}`);
    else if (!stat.isDirectory()) throw conflictAt(current, 'not a directory');
  }
}

/** Removes a non-directory at `target` so that a new entry replaces it instead of writing through it. */
async function clearFor(target: string): Promise<void> {
  const stat = await lstatOrNull(target);
  if (!stat) return;
  if (stat.isDirectory()) throw conflictAt(target, 'cannot overwrite a directory with a non-directory');
  await fs.promises.unlink(target);
}

async function lstatOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

const conflictAt = (file: string, why: string): BerthError => new BerthError('conflict', `${file}: ${why}`);
