import { createHash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { Digest } from '../oci/index.js';
import type { DigestReply, DigestRequest } from './digest-protocol.js';
import { acquireDigestWorker, CHUNK_BYTES, giveChunkBuffer, releaseDigestWorker, takeChunkBuffer } from './digest-workers.js';

/** Chunks sent and not yet hashed: bounds memory when the worker falls behind. */
const MAX_IN_FLIGHT = 8;

/**
 * A sha256 of a stream computed on a worker thread, so that hashing (a third of applying
 * a layer on the main thread) runs beside the work that consumes the stream.
 *
 * Bytes are copied into 1 MiB buffers, transferred to the worker and handed back once
 * hashed: the caller's chunks stay the caller's (a transfer would detach them), and a
 * copy costs a tenth of the hash. A stream shorter than one buffer is hashed here, with
 * no worker at all.
 */
export class OffThreadDigester {
  private worker: Worker | null = null;
  private current: Uint8Array | null = null;
  private fill = 0;
  private bytes = 0;
  private inFlight = 0;
  private readonly spare: ArrayBuffer[] = [];
  private failure: Error | null = null;
  /** Woken by a buffer coming back, the digest, or a failure. */
  private wake: (() => void) | null = null;
  private hex: string | null = null;
  private readonly onMessage = (reply: DigestReply): void => this.received(reply);
  private readonly onError = (err: Error): void => this.failed(err);
  private readonly onExit = (): void => this.failed(new Error('the digest worker exited'));

  get size(): number {
    return this.bytes;
  }

  /** Takes a copy of `chunk`; resolves at once unless the worker is behind. */
  async update(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.length;
    for (let offset = 0; offset < chunk.length; ) {
      const current = this.current ?? (await this.nextBuffer());
      const n = Math.min(chunk.length - offset, current.length - this.fill);
      current.set(chunk.subarray(offset, offset + n), this.fill);
      this.fill += n;
      offset += n;
      if (this.fill === current.length) this.send();
    }
  }

  async digest(): Promise<Digest> {
    if (this.worker === null) {
      // Never filled a buffer: not worth a worker.
      const hash = createHash('sha256');
      if (this.current !== null) hash.update(this.current.subarray(0, this.fill));
      this.release();
      return `sha256:${hash.digest('hex')}`;
    }
    if (this.fill > 0) this.send();
    this.post({ type: 'end' });
    while (this.hex === null) await this.sleep();
    const hex = this.hex;
    this.release();
    return `sha256:${hex}`;
  }

  /**
   * Gives up a digest that will not be asked for (the stream failed). The worker still
   * hashes what it was sent, so the buffers come back, then returns to the pool.
   */
  abandon(): void {
    if (this.worker === null || this.failure !== null) {
      this.release();
      return;
    }
    this.digest().catch(() => undefined);
  }

  private async nextBuffer(): Promise<Uint8Array> {
    while (this.spare.length === 0 && this.inFlight >= MAX_IN_FLIGHT) await this.sleep();
    this.current = new Uint8Array(this.spare.pop() ?? takeChunkBuffer(), 0, CHUNK_BYTES);
    this.fill = 0;
    return this.current;
  }

  private send(): void {
    const current = this.current;
    if (current === null) return;
    if (this.worker === null) {
      this.worker = acquireDigestWorker();
      this.worker.on('message', this.onMessage);
      this.worker.on('error', this.onError);
      this.worker.on('exit', this.onExit);
    }
    const buffer = current.buffer as ArrayBuffer;
    this.post({ type: 'chunk', buffer, length: this.fill }, [buffer]);
    this.inFlight++;
    this.current = null;
    this.fill = 0;
  }

  private post(request: DigestRequest, transfer: ArrayBuffer[] = []): void {
    if (this.failure !== null) throw this.failure;
    this.worker?.postMessage(request, transfer);
  }

  private received(reply: DigestReply): void {
    if (reply.type === 'free') {
      this.inFlight--;
      this.spare.push(reply.buffer);
    } else {
      this.hex = reply.hex;
    }
    this.wake?.();
  }

  private failed(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  private async sleep(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.wake = null;
    if (this.failure !== null) throw this.failure;
  }

  private release(): void {
    for (const buffer of this.spare.splice(0)) giveChunkBuffer(buffer);
    if (this.current !== null) giveChunkBuffer(this.current.buffer as ArrayBuffer);
    this.current = null;
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    worker.off('message', this.onMessage);
    worker.off('error', this.onError);
    worker.off('exit', this.onExit);
    if (this.failure === null) releaseDigestWorker(worker);
    else void worker.terminate();
  }
}
