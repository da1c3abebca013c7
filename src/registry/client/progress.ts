import { Transform, type TransformCallback } from 'node:stream';

/** Counts bytes as they pass, reporting at most every `intervalMs` (and always at the end). */
export function countingStream(onBytes: (done: number) => void, intervalMs = 100): Transform {
  let done = 0;
  let last = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      done += chunk.length;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        onBytes(done);
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      onBytes(done);
      callback();
    },
  });
}
