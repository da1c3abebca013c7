import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isErrno } from '../lib/index.js';
import { registryError } from './errors.js';
import { parseContentRange, uploadRange } from './ranges.js';
import type { RepositoryIndex, UploadRecord } from './repositories.js';

/** An upload session and how many bytes it holds. */
export interface UploadState extends UploadRecord {
  offset: number;
}

/**
 * Blob upload sessions: `<dir>/<uuid>` holds the bytes received so far (its size is the
 * running offset), a row in the index names its repository. Chunks of one session are
 * applied one at a time; a chunk that breaks off is cut back out, so the offset only ever
 * moves by whole chunks. Nothing here is a blob until the registry verifies and commits it.
 */
export class UploadStore {
  private readonly tails = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly dir: string,
    private readonly index: RepositoryIndex,
  ) {}

  static async open(dir: string, index: RepositoryIndex): Promise<UploadStore> {
    await mkdir(dir, { recursive: true });
    return new UploadStore(dir, index);
  }

  async start(repo: string): Promise<UploadState> {
    const id = randomUUID();
    await writeFile(this.path(id), '');
    return { ...this.index.createUpload(id, repo), offset: 0 };
  }

  /** The session, if it exists and belongs to `repo`; BLOB_UPLOAD_UNKNOWN otherwise. */
  async get(repo: string, id: string): Promise<UploadState> {
    const record = this.index.upload(id);
    if (!record || record.repo !== repo) throw unknownUpload(id);
    try {
      return { ...record, offset: (await stat(this.path(id))).size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw unknownUpload(id);
      throw err;
    }
  }

  /** The session's state once the chunk in flight (if any) has been applied or cut back out. */
  status(repo: string, id: string): Promise<UploadState> {
    return this.serial(id, () => this.get(repo, id));
  }

  /**
   * Appends a chunk. With `contentRange`, its start must be the current offset (else 416
   * BLOB_UPLOAD_INVALID with the current range) and its length the chunk's.
   */
  append(repo: string, id: string, body: Readable, contentRange?: string): Promise<UploadState> {
    return this.serial(id, async () => {
      const state = await this.get(repo, id);
      let expectedLength: number | undefined;
      if (contentRange !== undefined) {
        const range = parseContentRange(contentRange);
        if (!range) {
          body.resume();
          throw registryError('BLOB_UPLOAD_INVALID', `invalid Content-Range ${JSON.stringify(contentRange)}`, { status: 416, detail: { range: uploadRange(state.offset) } });
        }
        if (range.start !== state.offset) {
          body.resume();
          throw registryError('BLOB_UPLOAD_INVALID', `chunk starts at ${range.start}, upload is at ${state.offset}`, {
            status: 416,
            detail: { range: uploadRange(state.offset) },
          });
        }
        expectedLength = range.end - range.start + 1;
      }
      const written = await this.write(id, state.offset, body);
      if (expectedLength !== undefined && written !== expectedLength) {
        await truncate(this.path(id), state.offset);
        throw registryError('BLOB_UPLOAD_INVALID', `Content-Range announced ${expectedLength} bytes, the chunk had ${written}`, {
          status: 416,
          detail: { range: uploadRange(state.offset) },
        });
      }
      return { ...state, offset: state.offset + written };
    });
  }

  /** Runs `fn` over the session's bytes, one chunk operation at a time. */
  withContent<T>(repo: string, id: string, fn: (state: UploadState, open: () => Readable) => Promise<T>): Promise<T> {
    return this.serial(id, async () => {
      const state = await this.get(repo, id);
      return fn(state, () => createReadStream(this.path(id)));
    });
  }

  /** Ends a session and removes its bytes; BLOB_UPLOAD_UNKNOWN if there is none. */
  async cancel(repo: string, id: string): Promise<void> {
    await this.serial(id, async () => {
      await this.get(repo, id);
      await this.remove(id);
    });
  }

  /** Removes a session whatever its state (after completion). */
  async remove(id: string): Promise<void> {
    this.index.deleteUpload(id);
    await rm(this.path(id), { force: true });
  }

  private async write(id: string, offset: number, body: Readable): Promise<number> {
    const out = createWriteStream(this.path(id), { flags: 'r+', start: offset });
    try {
      await pipeline(body, out);
    } catch (err) {
      // A chunk that broke off leaves the session where it was.
      await truncate(this.path(id), offset).catch(() => undefined);
      throw err;
    }
    return out.bytesWritten;
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.tails.set(id, next);
    void next.catch(() => undefined).then(() => {
      if (this.tails.get(id) === next) this.tails.delete(id);
    });
    return next;
  }

  private path(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw unknownUpload(id);
    return join(this.dir, id);
  }
}

function unknownUpload(id: string): Error {
  return registryError('BLOB_UPLOAD_UNKNOWN', `upload ${JSON.stringify(id)} not known`, { detail: { uuid: id } });
}
