import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { DigestStream, digestOf, isDigest, parseDigest } from './digest.js';

const emptySha256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('digestOf hashes with sha256 by default', () => {
  assert.equal(digestOf(''), emptySha256);
});

test('parseDigest accepts valid digests and refuses malformed ones', () => {
  assert.equal(parseDigest(emptySha256).hex.length, 64);
  assert.ok(isDigest(emptySha256));
  for (const bad of ['', 'sha256', 'sha256:abc', `md5:${'a'.repeat(32)}`, `sha256:${'A'.repeat(64)}`, `sha256:${'g'.repeat(64)}`]) {
    assert.throws(() => parseDigest(bad), { kind: 'invalid-argument' }, bad);
  }
});

test('DigestStream digests while passing data through', async () => {
  const stream = new DigestStream();
  const seen: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        seen.push(chunk);
        cb();
      },
    }),
  );
  assert.equal(Buffer.concat(seen).toString(), 'hello world');
  assert.equal(stream.digester.digest(), digestOf('hello world'));
  assert.equal(stream.digester.size, 11);
});
