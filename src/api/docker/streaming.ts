import type { Writable } from 'node:stream';

/** Resolves when the peer has gone: the stream closed or failed. */
export function closedPromise(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

/** Writes and, when the peer is slow, waits for it to drain (or to go away). */
export async function writeChunk(stream: Writable, chunk: Buffer | string): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return;
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

/**
 * Runs `each` over an async iterable until it ends or `stop` resolves; then the
 * iterator is told to return, so that a follow or a stream upstream is released.
 */
export async function forEachUntil<T>(
  iterable: AsyncIterable<T>,
  stop: Promise<void>,
  each: (item: T) => Promise<void> | void,
): Promise<void> {
  const iterator = iterable[Symbol.asyncIterator]();
  const stopped = stop.then(() => 'stopped' as const);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), stopped]);
      if (next === 'stopped' || next.done) break;
      await each(next.value);
    }
  } finally {
    void iterator.return?.()?.catch(() => undefined);
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
