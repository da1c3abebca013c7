/**
 * sha256 of a 1 GB blob: berth's streaming digester and its verified blob-store write,
 * against coreutils `sha256sum` on the same file. Goal: within 1.5× of sha256sum.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { openContent } from '../src/content/index.js';
import { Digester } from '../src/oci/index.js';
import { command, medianMs, report } from './harness.js';

const size = Number(process.env['BENCH_BYTES'] ?? 1_000_000_000);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-sha-'));
try {
  const file = path.join(dir, 'blob');
  const chunk = randomBytes(1 << 20);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < size; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
  fs.closeSync(fd);

  let expected = '';
  const sha256sum = await medianMs(runs, () => {
    expected = command('sha256sum', [file]).split(' ')[0] ?? '';
  });
  const digest = await medianMs(runs, async () => {
    const digester = new Digester();
    await pipeline(
      fs.createReadStream(file, { highWaterMark: 1 << 20 }),
      new Writable({
        write(c: Buffer, _e, cb) {
          digester.update(c);
          cb();
        },
      }),
    );
    if (digester.digest() !== `sha256:${expected}`) throw new Error('digest mismatch');
  });
  const content = await openContent(path.join(dir, 'root'));
  const store = await medianMs(runs, async () => {
    const info = await content.blobs.write(fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      digest: `sha256:${expected}`,
    });
    await content.blobs.delete(info.digest);
  });
  await content.close();
  report(`sha256 of a ${(size / 1e9).toFixed(1)} GB blob (median of ${runs})`, [
    { name: 'sha256sum (coreutils)', ms: sha256sum, bytes: size },
    { name: 'berth digest (stream)', ms: digest, bytes: size },
    { name: 'berth blob write (verify+fsync)', ms: store, bytes: size },
  ], 'sha256sum (coreutils)');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
