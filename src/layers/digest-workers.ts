import { Worker } from 'node:worker_threads';

/**
 * Idle digest workers, kept for the next layer: starting a worker costs tens of
 * milliseconds, a large part of applying a small layer. Idle ones are unref'd so they
 * never keep the process alive; a worker that fails is dropped, not reused.
 */
const MAX_IDLE = 2;
const idle: Worker[] = [];

export function acquireDigestWorker(): Worker {
  const worker = idle.pop() ?? spawn();
  worker.ref();
  return worker;
}

/** Hands back a worker whose job ended (its 'digest' reply came). */
export function releaseDigestWorker(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

function spawn(): Worker {
  const worker = new Worker(new URL('./digest-thread.js', import.meta.url));
  const drop = (): void => {
    const index = idle.indexOf(worker);
    if (index >= 0) idle.splice(index, 1);
  };
  worker.on('exit', drop);
  // An idle worker's error also ends it; whoever holds a busy one sees the error too.
  worker.on('error', drop);
  return worker;
}

/** 1 MiB buffers for chunks, reused: fresh ones cost a page fault per 4 KiB. */
export const CHUNK_BYTES = 1 << 20;
const MAX_SPARE_BUFFERS = 8;
const spareBuffers: ArrayBuffer[] = [];

export function takeChunkBuffer(): ArrayBuffer {
  return spareBuffers.pop() ?? new ArrayBuffer(CHUNK_BYTES);
}

export function giveChunkBuffer(buffer: ArrayBuffer): void {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
}
