import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { coalescingCountingStream } from './progress.js';

async function run(input: Buffer[], chunkBytes: number): Promise<{ out: Buffer[]; reports: number[] }> {
  const reports: number[] = [];
  const stream = Readable.from(input, { objectMode: false }).pipe(coalescingCountingStream((done) => reports.push(done), chunkBytes, 0));
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return { out, reports };
}

test('coalescingCountingStream passes the bytes on whole, in chunks of the given size', async () => {
  const input = [randomBytes(3), randomBytes(4), randomBytes(1), randomBytes(6), randomBytes(5), randomBytes(4)];
  const { out, reports } = await run(input, 8);
  assert.deepEqual(Buffer.concat(out), Buffer.concat(input));
  assert.deepEqual(
    out.map((b) => b.length),
    [8, 8, 7],
  );
  assert.equal(reports.at(-1), 23);
});

test('coalescingCountingStream hands on large chunks without splitting them, and an empty stream as nothing', async () => {
  const input = [randomBytes(2), randomBytes(20), randomBytes(3)];
  const { out } = await run(input, 8);
  assert.deepEqual(Buffer.concat(out), Buffer.concat(input));
  // The buffered 2 bytes are topped up to 8; the rest of the big chunk (14 bytes) goes on as it is.
  assert.deepEqual(
    out.map((b) => b.length),
    [8, 14, 3],
  );
  const empty = await run([], 8);
  assert.deepEqual(empty.out, []);
  assert.deepEqual(empty.reports, [0]);
});
