import { TAR_BLOCK, type TarOutput } from './diff-tar.js';

export const BATCH_SIZE = 1 << 20;

/**
 * Output chunks of a layer tar, filled in place.
 *
 * Headers, padding and file content are written straight into 1 MiB buffers (content by
 * reading the file into the free room), so a tree of small files becomes a few large
 * chunks instead of three stream chunks per file: each chunk costs a stream hop and a
 * consumer call (a write, a hash update), which dominated when files are small.
 * Buffers are never reused: once handed out, the consumer may keep them.
 */
export class TarBatch implements TarOutput {
  private buffer: Buffer = Buffer.allocUnsafe(BATCH_SIZE);
  private fill = 0;
  /** Buffers filled to the end, ready to be handed out. */
  private readonly sealed: Buffer[] = [];

  /** True once a whole buffer is ready: the producer should stop and hand it out. */
  get full(): boolean {
    return this.sealed.length > 0;
  }

  append(bytes: Buffer): void {
    if (bytes.length > this.buffer.length - this.fill) this.seal(bytes.length);
    bytes.copy(this.buffer, this.fill);
    this.fill += bytes.length;
  }

  block(): Buffer {
    if (TAR_BLOCK > this.buffer.length - this.fill) this.seal(TAR_BLOCK);
    const start = this.fill;
    this.fill += TAR_BLOCK;
    return this.buffer.fill(0, start, this.fill).subarray(start, this.fill);
  }

  /** `count` zero bytes (block padding). */
  zeros(count: number): void {
    if (count > this.buffer.length - this.fill) this.seal(count);
    this.buffer.fill(0, this.fill, this.fill + count);
    this.fill += count;
  }

  /** The free room of the current buffer (never empty), to read content into; see commit. */
  room(): Buffer {
    if (this.fill === this.buffer.length) this.seal(0);
    return this.buffer.subarray(this.fill);
  }

  /** Keeps `count` bytes written into the start of room(). */
  commit(count: number): void {
    this.fill += count;
  }

  /**
   * Hands out the whole buffers; with `partial`, or when there are none, also what the
   * current one holds. Empty only when nothing was written since the last take.
   */
  take(partial: boolean): Buffer[] {
    if ((partial || this.sealed.length === 0) && this.fill > 0) this.seal(0);
    return this.sealed.splice(0);
  }

  /** Hands out what the current buffer holds and starts one with room for `next` bytes. */
  private seal(next: number): void {
    if (this.fill > 0) this.sealed.push(this.buffer.subarray(0, this.fill));
    this.buffer = Buffer.allocUnsafe(Math.max(BATCH_SIZE, next));
    this.fill = 0;
  }
}
