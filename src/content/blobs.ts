import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { failedPrecondition, invalidArgument, isErrno, isNotFound, notFound } from '../lib/index.js';
import { type Digest, Digester, isDigest, parseDigest } from '../oci/index.js';
import { fsyncDir, randomName, writeAll } from './fsutil.js';
import { type IndexEntry, indexJson, ociLayoutJson } from './layout.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What a writer promises about the bytes it sends; checked before the blob becomes visible. */
export interface ExpectedBlob {
  digest?: Digest;
  size?: number;
}

/** Byte range of a read; `end` is inclusive, as in `fs.createReadStream`. */
export interface BlobRange {
  start?: number;
  end?: number;
}

export type BlobSource = Readable | Uint8Array;

/** Reads committed blobs. */
export interface BlobProvider {
  info(digest: Digest): Promise<BlobInfo>;
  has(digest: Digest): Promise<boolean>;
  /** The blob's file, for zero-copy readers; never a partial blob. */
  path(digest: Digest): Promise<string>;
  createReadStream(digest: Digest, range?: BlobRange): Promise<Readable>;
  /** The whole blob, for small JSON documents; refuses blobs larger than `maxBytes`. */
  readBytes(digest: Digest, options?: { maxBytes?: number }): Promise<Buffer>;
}

/** Writes blobs: verified, then made visible atomically. */
export interface BlobIngester {
  write(source: BlobSource, expected?: ExpectedBlob): Promise<BlobInfo>;
}

/** Lists and deletes committed blobs. */
export interface BlobManager {
  list(): Promise<BlobInfo[]>;
  delete(digest: Digest): Promise<void>;
}

/** A verified, durable ingest not yet visible as a blob. Exactly one of commit/abort. */
export interface PendingBlob extends BlobInfo {
  commit(): Promise<BlobInfo>;
  abort(): Promise<void>;
}

const defaultMaxBytes = 4 * 1024 * 1024;

/** An ingest file untouched this long belongs to a writer that died. */
export const staleIngestMs = 10 * 60 * 1000;

/** Bytes of a blob written between background flushes while it streams in. */
const earlyFlushBytes = 32 * 1024 * 1024;

/**
 * Background flushes in flight in this process: at most one, as each holds one of libuv's
 * four pool threads for as long as the disk takes, and the writes of every blob need the rest.
 */
let backgroundFlushes = 0;

/**
 * Blobs laid out as an OCI image layout under `dir`: `blobs/<alg>/<hex>`, `oci-layout`,
 * `index.json`. Everything being written lives in `ingest/` until it is verified, fsynced
 * and renamed into place, so a blob is either whole or absent; `ingest/` is emptied when
 * the store opens (one process owns a store).
 */
export class BlobStore implements BlobProvider, BlobIngester, BlobManager {
  private readonly ingestDir: string;
  /** Names in ingest/ being written right now, which stale-ingest cleanup must spare. */
  private readonly active = new Set<string>();

  private constructor(readonly dir: string) {
    this.ingestDir = join(dir, 'ingest');
  }

  static async open(dir: string): Promise<BlobStore> {
    const store = new BlobStore(dir);
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await mkdir(store.ingestDir, { recursive: true });
    // Another process (the daemon, a local-mode CLI) may be writing into the same root right
    // now: only leftovers too old to be anyone's live write are removed.
    await store.cleanIngest(staleIngestMs);
    if (!(await exists(join(dir, 'oci-layout')))) await store.writeLayoutFile('oci-layout', ociLayoutJson);
    if (!(await exists(join(dir, 'index.json')))) await store.writeLayoutFile('index.json', indexJson([]), false);
    return store;
  }

  async info(digest: Digest): Promise<BlobInfo> {
    const path = this.blobPath(digest);
    try {
      const stats = await stat(path);
      return { digest, size: stats.size };
    } catch (err) {
      throw isErrno(err, 'ENOENT') ? blobNotFound(digest, err) : err;
    }
  }

  async has(digest: Digest): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  async path(digest: Digest): Promise<string> {
    await this.info(digest);
    return this.blobPath(digest);
  }

  async createReadStream(digest: Digest, range: BlobRange = {}): Promise<Readable> {
    const { start, end } = range;
    if (start !== undefined && !(Number.isSafeInteger(start) && start >= 0)) {
      throw invalidArgument(`invalid range start ${start}`);
    }
    if (end !== undefined && !(Number.isSafeInteger(end) && end >= (start ?? 0) - 1)) {
      throw invalidArgument(`invalid range end ${end}`);
    }
    // Opening first turns a missing blob into not-found here, and keeps the read whole
    // even if the blob is deleted meanwhile.
    const handle = await this.openBlob(digest);
    return handle.createReadStream({ start, end });
  }

  async readBytes(digest: Digest, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const maxBytes = options.maxBytes ?? defaultMaxBytes;
    const handle = await this.openBlob(digest);
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw failedPrecondition(`blob ${digest} is ${size} bytes, more than the ${maxBytes} allowed`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes a blob. When `expected.digest` is already present the source is drained and the
   * blob is not rewritten. Two writers of the same blob may race: both succeed.
   */
  async write(source: BlobSource, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    const unhold = holdErrors(source);
    try {
      if (expected.digest !== undefined) {
        const existing = await this.tryInfo(expected.digest);
        if (existing) {
          if (expected.size !== undefined && expected.size !== existing.size) {
            if (!(source instanceof Uint8Array)) source.destroy();
            throw sizeMismatch(expected.size, existing.size);
          }
          if (!(source instanceof Uint8Array)) await finished(source.resume());
          return existing;
        }
      }
      const pending = await this.ingest(source, expected);
      return await pending.commit();
    } finally {
      unhold();
    }
  }

  /**
   * Streams `source` into ingest/, fsyncs and verifies it; the result becomes a visible blob
   * only on `commit()`. A wrong size or digest throws invalid-argument and leaves nothing.
   */
  async ingest(source: BlobSource, expected: ExpectedBlob = {}): Promise<PendingBlob> {
    const unhold = holdErrors(source);
    try {
      return await this.ingestFrom(source, expected);
    } finally {
      unhold();
    }
  }

  private async ingestFrom(source: BlobSource, expected: ExpectedBlob): Promise<PendingBlob> {
    const algorithm = expected.digest === undefined ? 'sha256' : parseDigest(expected.digest).algorithm;
    const expectedSize = expected.size;
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
      throw invalidArgument(`invalid expected size ${expectedSize}`);
    }
    const digester = new Digester(algorithm);
    const { path: temp, done } = this.reserveTemp();
    try {
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
      // A large blob starts its writeback while it still streams in (one flush in the
      // background at a time, process-wide), so the final fsync finds little left to write
      // and the disk works beside the network instead of after it.
      let flushing: Promise<void> | undefined;
      let flushedAt = 0;
      try {
        const chunks: AsyncIterable<unknown> | Iterable<unknown> = source instanceof Uint8Array ? [source] : source;
        for await (const chunk of chunks) {
          const bytes = toBytes(chunk);
          digester.update(bytes);
          if (expectedSize !== undefined && digester.size > expectedSize) {
            throw invalidArgument(`size mismatch: expected ${expectedSize} bytes, got more (${digester.size} so far)`);
          }
          await writeAll(handle, bytes);
          if (digester.size - flushedAt >= earlyFlushBytes && backgroundFlushes === 0) {
            flushedAt = digester.size;
            backgroundFlushes++;
            flushing = handle.datasync().finally(() => {
              backgroundFlushes--;
              flushing = undefined;
            });
          }
        }
        await flushing;
        await handle.sync();
      } finally {
        await flushing?.catch(() => undefined);
        await handle.close();
      }
      const info: BlobInfo = { digest: digester.digest(), size: digester.size };
      if (expectedSize !== undefined && info.size !== expectedSize) throw sizeMismatch(expectedSize, info.size);
      if (expected.digest !== undefined && info.digest !== expected.digest) {
        throw invalidArgument(`digest mismatch: expected ${expected.digest}, got ${info.digest}`);
      }
      return this.pending(temp, info, done);
    } catch (err) {
      await rm(temp, { force: true });
      done();
      throw err;
    }
  }

  async list(): Promise<BlobInfo[]> {
    const blobsDir = join(this.dir, 'blobs');
    const result: BlobInfo[] = [];
    for (const algorithm of await readdir(blobsDir)) {
      for (const name of await readdirIfExists(join(blobsDir, algorithm))) {
        const digest = `${algorithm}:${name}` as const;
        if (!isDigest(digest)) continue;
        const info = await this.tryInfo(digest);
        if (info) result.push(info);
      }
    }
    return result;
  }

  async delete(digest: Digest): Promise<void> {
    try {
      await rm(this.blobPath(digest));
    } catch (err) {
      throw isErrno(err, 'ENOENT') ? blobNotFound(digest, err) : err;
    }
  }

  /** Removes files in ingest/ not written to for `graceMs` and not in use; returns how many. */
  async cleanIngest(graceMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdirIfExists(this.ingestDir)) {
      if (this.active.has(name)) continue;
      const path = join(this.ingestDir, name);
      try {
        if (now - (await stat(path)).mtimeMs < graceMs) continue;
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  /**
   * Replaces `index.json` with one listing `entries`, atomically. Not fsynced: it is derived
   * from the image table, and ContentStore rewrites it from there whenever it opens.
   */
  async writeIndex(entries: readonly IndexEntry[]): Promise<void> {
    await this.writeLayoutFile('index.json', indexJson(entries), false);
  }

  private async writeLayoutFile(name: 'index.json' | 'oci-layout', data: string, durable = true): Promise<void> {
    const { path: temp, done } = this.reserveTemp();
    try {
      await writeFile(temp, data, { flush: durable });
      await rename(temp, join(this.dir, name));
      if (durable) await fsyncDir(this.dir);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    } finally {
      done();
    }
  }

  private pending(temp: string, info: BlobInfo, done: () => void): PendingBlob {
    let settled = false;
    const settle = (): void => {
      if (settled) throw failedPrecondition(`ingest of ${info.digest} already committed or aborted`);
      settled = true;
    };
    return {
      ...info,
      commit: async () => {
        settle();
        const target = this.blobPath(info.digest);
        try {
          if (await exists(target)) {
            await rm(temp, { force: true });
          } else {
            await mkdir(dirname(target), { recursive: true });
            // rename replaces atomically, so a racing writer of the same bytes is harmless.
            await rename(temp, target);
            await fsyncDir(dirname(target));
          }
          return info;
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        } finally {
          done();
        }
      },
      abort: async () => {
        settle();
        try {
          await rm(temp, { force: true });
        } finally {
          done();
        }
      },
    };
  }

  private reserveTemp(): { path: string; done: () => void } {
    const name = randomName();
    this.active.add(name);
    return { path: join(this.ingestDir, name), done: () => this.active.delete(name) };
  }

  private blobPath(digest: Digest): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.dir, 'blobs', algorithm, hex);
  }

  private async openBlob(digest: Digest) {
    try {
      return await open(this.blobPath(digest), 'r');
    } catch (err) {
      throw isErrno(err, 'ENOENT') ? blobNotFound(digest, err) : err;
    }
  }

  private async tryInfo(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      return await this.info(digest);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * Keeps an error the source emits while we are not yet reading it (awaiting a stat or an
 * open) from crashing the process; the error stays recorded on the stream, and reading it
 * then throws it.
 */
function holdErrors(source: BlobSource): () => void {
  if (source instanceof Uint8Array) return () => undefined;
  const ignore = (): void => undefined;
  source.on('error', ignore);
  return () => source.off('error', ignore);
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw invalidArgument('blob source must yield bytes, not objects');
}

const sizeMismatch = (expected: number, actual: number) =>
  invalidArgument(`size mismatch: expected ${expected} bytes, got ${actual}`);

const blobNotFound = (digest: Digest, cause: unknown) => notFound(`blob ${digest} not found`, cause);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}
