import type { Readable } from 'node:stream';

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

const HIGH_WATER = 1 << 20;

/**
 * The chunks of several byte streams, in arrival order, as one async iterable that ends
 * when every stream has ended. Streams are paused while more than 1 MiB waits unread, so a
 * reader that stops reading stops the writer (as a full pipe would). One reader only.
 */
export function mergeOutput(sources: ReadonlyArray<{ stream: OutputChunk['stream']; readable: Readable }>): AsyncIterable<OutputChunk> {
  const queue: OutputChunk[] = [];
  let buffered = 0;
  let open = sources.length;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const { stream, readable } of sources) {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      open--;
      notify();
    };
    readable.on('data', (data: Buffer) => {
      queue.push({ stream, data });
      buffered += data.length;
      if (buffered > HIGH_WATER) for (const s of sources) s.readable.pause();
      notify();
    });
    readable.once('end', end);
    readable.once('close', end);
    readable.once('error', end);
  }
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<OutputChunk> {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) {
          buffered -= chunk.data.length;
          if (buffered <= HIGH_WATER / 2) for (const s of sources) if (s.readable.isPaused()) s.readable.resume();
          yield chunk;
          continue;
        }
        if (open === 0) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
