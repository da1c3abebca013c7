import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  constants,
  copyFileSync,
  createReadStream,
  createWriteStream,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  type BigIntStats,
} from 'node:fs';
import { chmod as chmodAsync, copyFile as copyFileAsync, mkdtemp, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument, isErrno, notFound } from '../../lib/index.js';
import { isTarArchive, openArchive } from './decompress.js';
import { fileHashes } from './hash-cache.js';
import { copyFlags } from './history.js';
import type { CopyResult, CopySpec, InlineDocument } from './index.js';
import { parseChmod, resolveChown } from './owners.js';
import { resolveScoped, type Owner } from './scoped.js';
import { SourceResolver, type LocalSource, type SourceEntry } from './sources.js';
import { untar } from './untar.js';
import { writeXattrs } from './xattrs.js';

/** A source ready to copy: a local file or directory, a downloaded remote file or an inline document. */
interface PlannedSource extends LocalSource {
  /** Downloaded (ADD of a URL) or written from a heredoc: owned like context files, never extracted. */
  remote: boolean;
}

interface Plan {
  spec: CopySpec;
  /** Absolute destination inside the target, trailing slash kept. */
  dest: string;
  chmod: number | null;
  sources: PlannedSource[];
  /** Per source, the hash the history names (`file:…`, `dir:…`). */
  sourceHashes: string[];
  digest: string;
  cleanup(): Promise<void>;
}

const ROOT: Owner = { uid: 0, gid: 0 };
const UNNAMED = '__unnamed__';
const ASYNC_COPY_SIZE = 1024n * 1024n;

/**
 * COPY and ADD with the classic builder's semantics (moby builder/dockerfile copy.go):
 * see CopySpec. The digest covers what is copied, never when: paths, types, modes,
 * owners (or the --chown asked for), xattrs and content hashes, but not mtimes, as
 * Docker's tarsum leaves them out.
 */
export async function copySources(spec: CopySpec): Promise<CopyResult> {
  const plan = await planCopy(spec);
  try {
    await perform(plan);
    remember(spec, plan.digest);
    return { digest: plan.digest, createdBy: createdBy(plan) };
  } finally {
    await plan.cleanup();
  }
}

export async function digestSources(spec: CopySpec): Promise<string> {
  const known = rememberedDigest(spec);
  if (known !== undefined) return known;
  const plan = await planCopy(spec);
  await plan.cleanup();
  remember(spec, plan.digest);
  return plan.digest;
}

// Digests by source identity; bounded like the file-hash cache.
const remembered = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

export function rememberedDigest(spec: Omit<CopySpec, 'sourceRoot' | 'targetRoot'>): string | undefined {
  const key = rememberKey(spec);
  return key === null ? undefined : remembered.get(key);
}

function remember(spec: CopySpec, digest: string): void {
  const key = rememberKey(spec);
  if (key === null) return;
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(key, digest);
}

/** Everything but the roots; null when nothing may be remembered (no identity, a download). */
function rememberKey(spec: Omit<CopySpec, 'sourceRoot' | 'targetRoot'>): string | null {
  if (spec.sourceKey === undefined || spec.sources.some(isRemote)) return null;
  const { kind, fromContext, sources, dest, workdir, chown, chmod, ignore, sourceKey, documents } = spec;
  const ignored = fromContext ? (ignore?.patterns ?? []) : [];
  return JSON.stringify([sourceKey, kind, fromContext, sources, dest, workdir, chown ?? null, chmod ?? null, ignored, documents ?? []]);
}

async function planCopy(spec: CopySpec): Promise<Plan> {
  const cmd = spec.kind;
  if (cmd !== 'COPY' && cmd !== 'ADD') throw invalidArgument(`unknown copy kind ${JSON.stringify(cmd)}`);
  const documents = spec.documents ?? [];
  if (spec.sources.length === 0 && documents.length === 0) throw invalidArgument(`${cmd} failed: no source files were specified`);
  for (const doc of documents) checkDocumentName(cmd, doc.name);
  if (spec.chown !== undefined && (spec.chown === '' || spec.chown.split(':').length > 2)) {
    throw invalidArgument(`${cmd} failed: invalid chown string format: ${spec.chown}`);
  }
  const chmod = spec.chmod === undefined ? null : parseChmod(spec.chmod);
  let root: string;
  try {
    root = await realpath(spec.sourceRoot);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound(`${cmd} failed: source root ${spec.sourceRoot} does not exist`, err);
    throw err;
  }
  const resolver = new SourceResolver(root, cmd, spec.fromContext, spec.fromContext ? spec.ignore : undefined, fileHashes);
  const sources: PlannedSource[] = [];
  const temps: string[] = [];
  const cleanup = async (): Promise<void> => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const orig of spec.sources) {
      if (spec.kind === 'ADD' && isGit(orig)) throw invalidArgument(`ADD failed: git sources are not supported: ${orig} (use RUN git clone)`);
      if (isRemote(orig)) {
        sources.push(await download(spec, orig, temps));
        continue;
      }
      for (const local of await resolver.resolve(orig)) sources.push({ ...local, remote: false });
    }
    if (documents.length > 0) sources.push(...(await writeDocuments(documents, temps)));
    if (sources.length === 0) throw invalidArgument(`${cmd} failed: no source files were specified`);
    if (sources.length > 1 && !spec.dest.endsWith('/')) {
      throw invalidArgument(`When using ${cmd} with more than one source file, the destination must be a directory and end with a /`);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const dest = normalizeDest(spec.workdir, spec.dest);
  const sourceHashes = sources.map((source) => `${source.kind === 'dir' ? 'dir' : 'file'}:${hashRecords(source, spec, chmod)}`);
  const digest = digestOf(spec, dest, chmod, sources);
  return { spec, dest, chmod, sources, sourceHashes, digest, cleanup };
}

function isRemote(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

function isGit(source: string): boolean {
  return /^git@|^git:\/\//i.test(source) || (isRemote(source) && /\.git(#.*)?$/i.test(source));
}

/** The relative WORKDIR-based destination, as normalizeDest in moby. */
function normalizeDest(workdir: string, dest: string): string {
  if (dest.startsWith('/')) return dest;
  const joined = posix.join('/', workdir, dest);
  return dest.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
}

async function download(spec: CopySpec, url: string, temps: string[]): Promise<PlannedSource> {
  if (spec.kind === 'COPY') throw invalidArgument(`COPY failed: source can't be a URL for COPY: ${url}`);
  if (spec.fetch === undefined) throw invalidArgument(`ADD failed: cannot download ${url}: no downloader configured`);
  const response = await spec.fetch(url);
  let name = response.fileName;
  if (name === '' || name.includes('/') || name === '.' || name === '..') {
    if (spec.dest.endsWith('/')) throw invalidArgument(`ADD failed: cannot determine filename for source ${url}`);
    name = UNNAMED;
  }
  const dir = await mkdtemp(`${tmpdir()}/berth-add-`);
  temps.push(dir);
  const path = `${dir}/${name}`;
  const hash = createHash('sha256');
  await pipeline(
    response.body,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
    createWriteStream(path, { flags: 'wx', mode: 0o600 }),
  );
  // Without Last-Modified, Docker sets the Unix epoch.
  const mtime = response.lastModified ?? new Date(0);
  await utimes(path, mtime, mtime);
  const stat = lstatSync(path, { bigint: true });
  const entry: SourceEntry = { rel: '', hostPath: path, stat, sha256: hash.digest('hex'), xattrs: [] };
  return { kind: 'file', orig: url, base: name, hostPath: path, entries: [entry], remote: true };
}

function checkDocumentName(cmd: string, name: string): void {
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw invalidArgument(`${cmd} failed: the heredoc name ${JSON.stringify(name)} is not a file name`);
  }
}

/** Inline documents as files in a temp directory: mode 0644 as BuildKit makes them (chmod, not the umask). */
async function writeDocuments(documents: InlineDocument[], temps: string[]): Promise<PlannedSource[]> {
  const dir = await mkdtemp(`${tmpdir()}/berth-heredoc-`);
  temps.push(dir);
  const out: PlannedSource[] = [];
  for (const [i, doc] of documents.entries()) {
    // A directory each: two heredocs may share a name (the later one wins, as BuildKit).
    mkdirSync(`${dir}/${i}`);
    const path = `${dir}/${i}/${doc.name}`;
    await writeFile(path, doc.content, { flag: 'wx' });
    await chmodAsync(path, 0o644);
    const stat = lstatSync(path, { bigint: true });
    const sha256 = createHash('sha256').update(doc.content).digest('hex');
    const entry: SourceEntry = { rel: '', hostPath: path, stat, sha256, xattrs: [] };
    out.push({ kind: 'file', orig: `<<${doc.name}`, base: doc.name, hostPath: path, entries: [entry], remote: true });
  }
  return out;
}

/** One line per entry: what the copy writes for it, owners as this spec will set them. */
function records(source: PlannedSource, spec: CopySpec, chmod: number | null): string[] {
  return source.entries.map((entry) => {
    const mode = entry.stat.isSymbolicLink() ? 0o777 : (chmod ?? Number(entry.stat.mode & 0o7777n));
    // With --chown the digest names the request (resolved against the parent image, which
    // the builder's cache key already covers); without, the owners the copy will set.
    const owner = spec.chown !== undefined ? '' : source.remote || spec.fromContext ? '0:0' : `${entry.stat.uid}:${entry.stat.gid}`;
    const content = entry.sha256 ?? entry.linkTarget ?? (isDevice(entry.stat) ? String(entry.stat.rdev) : '');
    const xattrs = entry.xattrs.map(([name, value]) => `${name}=${value.toString('hex')}`).join(',');
    return JSON.stringify([entry.rel, typeOf(entry.stat), mode.toString(8), owner, content, xattrs]);
  });
}

function hashRecords(source: PlannedSource, spec: CopySpec, chmod: number | null): string {
  return createHash('sha256').update(records(source, spec, chmod).join('\n')).digest('hex');
}

function digestOf(spec: CopySpec, dest: string, chmod: number | null, sources: PlannedSource[]): string {
  const hash = createHash('sha256');
  hash.update(`${JSON.stringify({ v: 1, kind: spec.kind, dest, chown: spec.chown ?? null, chmod, fromContext: spec.fromContext })}\n`);
  for (const source of sources) {
    hash.update(`${JSON.stringify({ source: source.kind, base: source.base, remote: source.remote, entries: source.entries.length })}\n`);
    for (const line of records(source, spec, chmod)) hash.update(`${line}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}

function createdBy(plan: Plan): string {
  const hashes = plan.sourceHashes;
  const sourceHash =
    hashes.length === 1 ? (hashes[0] as string) : `multi:${createHash('sha256').update(hashes.join(',')).digest('hex')}`;
  return `${copyFlags(plan.spec)}${sourceHash} in ${plan.spec.dest} `;
}

function typeOf(stat: BigIntStats): string {
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  return 'file';
}

function isDevice(stat: BigIntStats): boolean {
  return stat.isCharacterDevice() || stat.isBlockDevice();
}

async function perform(plan: Plan): Promise<void> {
  const { spec } = plan;
  let targetRoot: string;
  try {
    targetRoot = await realpath(spec.targetRoot);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound(`${spec.kind} failed: target root ${spec.targetRoot} does not exist`, err);
    throw err;
  }
  // --chown wins; context and downloaded files go to root; --from keeps the sources' owners.
  const chowned = spec.chown === undefined ? null : resolveChown(spec.chown, targetRoot);
  const identity = chowned ?? (spec.fromContext ? ROOT : null);
  const writer = new TreeWriter(plan.chmod);
  for (const source of plan.sources) {
    const owner = source.remote ? (identity ?? ROOT) : identity;
    if (source.kind === 'dir') {
      await copyDirectory(writer, targetRoot, plan.dest, source, owner);
    } else if (spec.kind === 'ADD' && !source.remote && (await isTarArchive(source.hostPath))) {
      await extractArchive(targetRoot, plan.dest, source);
    } else {
      await copyFile(writer, targetRoot, plan.dest, source, owner);
    }
  }
  writer.finish();
}

async function copyDirectory(writer: TreeWriter, targetRoot: string, dest: string, source: PlannedSource, owner: Owner | null): Promise<void> {
  const existed = lstatSync(resolveScoped(targetRoot, dest), { throwIfNoEntry: false }) !== undefined;
  const host = resolveScoped(targetRoot, dest, { owner: ROOT, createLast: true });
  if (!lstatSync(host).isDirectory()) {
    throw invalidArgument(`failed to copy files: cannot copy directory ${source.orig} to ${dest}: it exists and is not a directory`);
  }
  // A directory made for the copy belongs to the new owner; one that was there stays as it was.
  if (!existed && owner !== null) lchownSync(host, owner.uid, owner.gid);
  for (const entry of source.entries) await writer.write(entry, `${host}/${entry.rel}`, owner);
}

async function copyFile(writer: TreeWriter, targetRoot: string, dest: string, source: PlannedSource, owner: Owner | null): Promise<void> {
  const resolved = resolveScoped(targetRoot, dest);
  const isDir = lstatSync(resolved, { throwIfNoEntry: false })?.isDirectory() ?? false;
  // New parents of a copied file belong to its owner, as Docker's MkdirAllAndChown makes them.
  const parentOwner = owner ?? ROOT;
  let parentHost: string;
  let name: string;
  if (isDir || dest.endsWith('/')) {
    parentHost = resolveScoped(targetRoot, dest, { owner: parentOwner, createLast: true });
    name = source.base;
  } else {
    // The destination path itself was resolved (a link at it is followed, scoped).
    const rel = resolved === targetRoot ? '' : resolved.slice(targetRoot.length + 1);
    const slash = rel.lastIndexOf('/');
    parentHost = resolveScoped(targetRoot, slash < 0 ? '' : rel.slice(0, slash), { owner: parentOwner, createLast: true });
    name = rel.slice(slash + 1);
  }
  if (!lstatSync(parentHost).isDirectory()) throw invalidArgument(`failed to copy files: ${posix.dirname(dest)} is not a directory`);
  if (name === '' || name === '.') throw invalidArgument(`failed to copy files: cannot copy ${source.orig} over ${dest}`);
  const entry = source.entries[0] as SourceEntry;
  await writer.write(entry, `${parentHost}/${name}`, owner);
}

/** ADD of a local tar: extracted into the destination directory, confined to it (see untar). */
async function extractArchive(targetRoot: string, dest: string, source: PlannedSource): Promise<void> {
  const host = resolveScoped(targetRoot, dest, { owner: ROOT, createLast: true });
  if (!lstatSync(host).isDirectory()) {
    throw invalidArgument(`failed to copy files: cannot extract ${source.orig} into ${dest}: it exists and is not a directory`);
  }
  await untar(await openArchive(createReadStream(source.hostPath)), host);
}

/**
 * Writes source entries at host paths whose parents are real directories (the copy made
 * them or checked them), never following what is at the path itself: an existing entry
 * other than a directory over a directory is removed first, files are created with
 * O_EXCL, and owners and times are set with lchown and lutimes.
 */
class TreeWriter {
  /** First copy of each multiply linked source inode, so later names become hard links. */
  private readonly links = new Map<string, string>();
  /** Directory times, set last: writing into a directory changes its mtime. */
  private readonly dirTimes: [string, BigIntStats][] = [];

  constructor(private readonly chmod: number | null) {}

  async write(entry: SourceEntry, path: string, owner: Owner | null): Promise<void> {
    const { stat } = entry;
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (existing !== undefined && !(existing.isDirectory() && stat.isDirectory())) {
      if (existing.isDirectory()) rmSync(path, { recursive: true, force: true });
      else unlinkSync(path);
    }
    const uid = owner?.uid ?? Number(stat.uid);
    const gid = owner?.gid ?? Number(stat.gid);
    const mode = this.chmod ?? Number(stat.mode & 0o7777n);
    if (stat.isSymbolicLink()) {
      symlinkSync(entry.linkTarget as string, path);
      lchownSync(path, uid, gid);
      lutimesSync(path, seconds(stat.atimeNs), seconds(stat.mtimeNs));
      return;
    }
    if (stat.isDirectory()) {
      if (existing === undefined || !existing.isDirectory()) mkdirSync(path, 0o700);
      this.setMetadata(path, uid, gid, mode, entry);
      this.dirTimes.push([path, stat]);
      return;
    }
    if (stat.isFile()) {
      const key = `${stat.dev}:${stat.ino}`;
      const first = stat.nlink > 1n ? this.links.get(key) : undefined;
      if (first !== undefined) {
        linkSync(first, path);
        return;
      }
      // Large files off the main thread: the daemon serves other requests meanwhile.
      if (stat.size > ASYNC_COPY_SIZE) await copyFileAsync(entry.hostPath, path, constants.COPYFILE_EXCL);
      else copyFileSync(entry.hostPath, path, constants.COPYFILE_EXCL);
      if (stat.nlink > 1n) this.links.set(key, path);
    } else {
      makeSpecial(path, stat);
    }
    this.setMetadata(path, uid, gid, mode, entry);
    lutimesSync(path, seconds(stat.atimeNs), seconds(stat.mtimeNs));
  }

  finish(): void {
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [path, stat] = this.dirTimes[i] as [string, BigIntStats];
      lutimesSync(path, seconds(stat.atimeNs), seconds(stat.mtimeNs));
    }
  }

  private setMetadata(path: string, uid: number, gid: number, mode: number, entry: SourceEntry): void {
    lchownSync(path, uid, gid);
    // After chown, which clears setuid and setgid; the path is no symlink.
    chmodSync(path, mode);
    // After chown too, which drops security.capability.
    if (entry.xattrs.length > 0) writeXattrs(path, entry.xattrs);
  }
}

function seconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

/** FIFOs and device nodes: Node has no mknod(2), and these are rare enough for a process. */
function makeSpecial(path: string, stat: BigIntStats): void {
  let args: string[];
  if (stat.isFIFO()) args = [path, 'p'];
  else {
    const rdev = stat.rdev;
    const major = (rdev >> 8n) & 0xfffn;
    const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n);
    args = [path, stat.isCharacterDevice() ? 'c' : 'b', String(major), String(minor)];
  }
  const result = spawnSync('mknod', args, { encoding: 'utf8' });
  if (result.status !== 0) throw invalidArgument(`failed to copy files: mknod ${path}: ${result.stderr?.trim() || result.error?.message}`);
}
