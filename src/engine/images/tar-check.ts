import { once } from 'node:events';
import { Transform, type TransformCallback } from 'node:stream';
import tar from 'tar-stream';
import { invalidArgument } from '../../lib/index.js';

/**
 * A pass-through that also parses what flows through as a tar archive, so that a blob
 * that is not a tar (random bytes, a truncated file) fails the write that stores it.
 */
export function tarChecker(what: string): Transform {
  const extract = tar.extract();
  let failure: Error | undefined;
  extract.on('entry', (_header, stream, next) => {
    stream.on('end', () => next());
    stream.resume();
  });
  const ended = new Promise<void>((resolve) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) => {
      failure = invalidArgument(`${what} is not a valid tar archive: ${err.message}`);
      resolve();
    });
  });
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (failure) return callback(failure);
      if (extract.write(chunk)) callback(null, chunk);
      else void Promise.race([once(extract, 'drain'), ended]).then(() => callback(failure ?? null, chunk));
    },
    flush(callback: TransformCallback) {
      extract.end(Buffer.alloc(0));
      void ended.then(() => callback(failure ?? null));
    },
  });
}
