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

/** 1 MiB: what a download hands the content store at a time. */
export const downloadChunkBytes = 1 << 20;

/**
 * Like countingStream, but passes the bytes on in chunks of `chunkBytes` (the last may be
 * shorter) instead of the socket's ~64 KiB reads: the content store then hashes and
 * writes (one `write(2)` each, awaited) sixteen times less often.
 */
export function coalescingCountingStream(onBytes: (done: number) => void, chunkBytes = downloadChunkBytes, intervalMs = 100): Transform {
  let done = 0;
  let last = 0;
  let buffer: Buffer | undefined;
  let filled = 0;
  return new Transform({
    // Object mode on the readable side hands each chunk out as it is: in byte mode a read
    // concatenates whatever is buffered, copying every byte a second time.
    readableObjectMode: true,
    readableHighWaterMark: 2,
    writableHighWaterMark: chunkBytes,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      done += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        if (filled === 0 && chunk.length - offset >= chunkBytes) {
          // Already big enough: pass it on without copying.
          const whole = chunk.length - offset;
          this.push(offset === 0 ? chunk : chunk.subarray(offset));
          offset += whole;
          break;
        }
        buffer ??= Buffer.allocUnsafe(chunkBytes);
        const copied = chunk.copy(buffer, filled, offset, Math.min(chunk.length, offset + chunkBytes - filled));
        filled += copied;
        offset += copied;
        if (filled === chunkBytes) {
          this.push(buffer);
          buffer = undefined;
          filled = 0;
        }
      }
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        onBytes(done);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (buffer && filled > 0) this.push(buffer.subarray(0, filled));
      buffer = undefined;
      onBytes(done);
      callback();
    },
  });
}
