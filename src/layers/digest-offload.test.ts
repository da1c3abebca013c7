import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { OffThreadDigester } from './digest-offload.js';

const MiB = 1 << 20;

function reference(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function offThread(data: Buffer, chunk: number): Promise<{ digest: string; size: number }> {
  const digester = new OffThreadDigester();
  for (let offset = 0; offset < data.length; offset += chunk) await digester.update(data.subarray(offset, offset + chunk));
  return { digest: await digester.digest(), size: digester.size };
}

test('OffThreadDigester matches sha256 whatever the length and chunking', async () => {
  const data = randomBytes(20 * MiB + 3);
  // Empty, below one buffer (hashed in place), exactly one, just past it, many buffers;
  // chunks smaller than a buffer, equal to it, and larger (one chunk fills several).
  const lengths = [0, 1, 511, MiB - 1, MiB, MiB + 1, 3 * MiB + 7, data.length];
  const chunks = [7777, 64 * 1024, MiB, 2 * MiB + 5];
  for (const length of lengths) {
    const slice = data.subarray(0, length);
    for (const chunk of chunks) {
      const { digest, size } = await offThread(slice, chunk);
      assert.equal(digest, reference(slice), `${length} bytes in ${chunk}-byte chunks`);
      assert.equal(size, length);
    }
  }
});

test('OffThreadDigester leaves the caller its chunks and runs digests side by side', async () => {
  const a = randomBytes(5 * MiB);
  const b = randomBytes(4 * MiB + 1);
  const copyA = Buffer.from(a);
  const [ra, rb] = await Promise.all([offThread(a, MiB), offThread(b, 300_000)]);
  assert.equal(ra.digest, reference(copyA));
  assert.equal(rb.digest, reference(b));
  // Not transferred away: still readable and unchanged.
  assert.equal(a.length, 5 * MiB);
  assert.deepEqual(a, copyA);
});

test('an abandoned OffThreadDigester does not spoil the next digest', async () => {
  const data = randomBytes(6 * MiB);
  const abandoned = new OffThreadDigester();
  await abandoned.update(data.subarray(0, 3 * MiB + 11));
  abandoned.abandon();
  assert.equal((await offThread(data, MiB)).digest, reference(data));
});
