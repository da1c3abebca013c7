import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { digestOf } from '../oci/index.js';
import { BlobStore, staleIngestMs } from './blobs.js';
import { tempDir } from './testutil.js';

const hello = Buffer.from('hello, berth\n');
const helloDigest = digestOf(hello);

async function ingestEntries(dir: string): Promise<string[]> {
  return readdir(join(dir, 'ingest'));
}

test('opening lays out an OCI image layout', async (t) => {
  const dir = await tempDir(t);
  await BlobStore.open(dir);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  const index: unknown = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  assert.deepEqual(index, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
  assert.deepEqual(await readdir(join(dir, 'blobs')), ['sha256']);
});

test('write stores bytes under blobs/sha256/<hex>; has, info, path and reads agree', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const info = await store.write(hello);
  assert.deepEqual(info, { digest: helloDigest, size: hello.length });
  assert.ok(await store.has(helloDigest));
  assert.deepEqual(await store.info(helloDigest), info);
  const path = await store.path(helloDigest);
  assert.equal(path, join(dir, 'blobs', 'sha256', helloDigest.slice('sha256:'.length)));
  assert.deepEqual(await readFile(path), hello);
  assert.deepEqual(await store.readBytes(helloDigest), hello);
  assert.equal(await text(await store.createReadStream(helloDigest)), hello.toString());
  assert.equal(await text(await store.createReadStream(helloDigest, { start: 7, end: 11 })), 'berth');
  assert.equal(await text(await store.createReadStream(helloDigest, { start: 7 })), 'berth\n');
  assert.equal(await text(await store.createReadStream(helloDigest, { end: 4 })), 'hello');
  assert.deepEqual(await ingestEntries(dir), []);
});

test('streams are verified like byte arrays, with the expected digest and size', async (t) => {
  const store = await BlobStore.open(await tempDir(t));
  const chunks = [Buffer.from('hello, '), Buffer.from('berth\n')];
  const info = await store.write(Readable.from(chunks), { digest: helloDigest, size: hello.length });
  assert.deepEqual(info, { digest: helloDigest, size: hello.length });
});

test('missing blobs are not-found, malformed digests invalid-argument', async (t) => {
  const store = await BlobStore.open(await tempDir(t));
  const missing = digestOf('nothing here');
  assert.equal(await store.has(missing), false);
  await assert.rejects(store.info(missing), { kind: 'not-found' });
  await assert.rejects(store.path(missing), { kind: 'not-found' });
  await assert.rejects(store.createReadStream(missing), { kind: 'not-found' });
  await assert.rejects(store.readBytes(missing), { kind: 'not-found' });
  await assert.rejects(store.delete(missing), { kind: 'not-found' });
  await assert.rejects(store.info('sha256:../../etc/passwd' as `sha256:${string}`), { kind: 'invalid-argument' });
  await store.write(hello);
  await assert.rejects(store.createReadStream(helloDigest, { start: -1 }), { kind: 'invalid-argument' });
  await assert.rejects(store.readBytes(helloDigest, { maxBytes: 4 }), { kind: 'failed-precondition' });
});

test('a wrong digest is refused, naming both digests, and leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const wrong = digestOf('something else');
  await assert.rejects(store.write(hello, { digest: wrong }), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'invalid-argument');
    assert.match(err.message, new RegExp(`expected ${wrong}`));
    assert.match(err.message, new RegExp(`got ${helloDigest}`));
    return true;
  });
  await assert.rejects(store.write(Readable.from([hello]), { digest: wrong }), { kind: 'invalid-argument' });
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
  assert.deepEqual(await ingestEntries(dir), []);
});

test('a wrong size is refused, shorter or longer, and leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  await assert.rejects(store.write(hello, { size: hello.length + 1 }), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'invalid-argument');
    assert.match(err.message, new RegExp(`expected ${hello.length + 1} bytes, got ${hello.length}`));
    return true;
  });
  await assert.rejects(store.write(Readable.from([hello, hello]), { digest: helloDigest, size: hello.length }), {
    kind: 'invalid-argument',
    message: /size mismatch: expected 13 bytes/,
  });
  await assert.rejects(store.write(hello, { size: -1 }), { kind: 'invalid-argument' });
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await ingestEntries(dir), []);
});

test('a failing source leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const source = new Readable({ read() {} });
  source.push(hello);
  setImmediate(() => source.destroy(new Error('connection reset')));
  await assert.rejects(store.write(source), /connection reset/);
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await ingestEntries(dir), []);
});

test('ten concurrent writers of the same blob all succeed and yield one blob', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const big = Buffer.alloc(256 * 1024, 7);
  const chunks = (): Readable => Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]);
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store.write(chunks()) : store.write(big, { size: big.length }))),
  );
  for (const result of results) assert.deepEqual(result, { digest: digestOf(big), size: big.length });
  assert.deepEqual(await store.list(), [{ digest: digestOf(big), size: big.length }]);
  assert.deepEqual(await store.readBytes(digestOf(big), { maxBytes: big.length }), big);
  assert.deepEqual(await ingestEntries(dir), []);
});

test('a known digest already present is not rewritten: the source is drained', async (t) => {
  const store = await BlobStore.open(await tempDir(t));
  await store.write(hello);
  // Garbage under a known digest would fail verification if it were read into a blob.
  const source = Readable.from([Buffer.from('not the same bytes')]);
  const info = await store.write(source, { digest: helloDigest });
  assert.deepEqual(info, { digest: helloDigest, size: hello.length });
  assert.ok(source.readableEnded);
  assert.deepEqual(await store.readBytes(helloDigest), hello);
  await assert.rejects(store.write(hello, { digest: helloDigest, size: 1 }), { kind: 'invalid-argument' });
});

test('a crash mid-write leaves only ingest/ leftovers, removed on reopen', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const pending = await store.ingest(hello);
  assert.equal(await store.has(helloDigest), false, 'an uncommitted ingest is not a blob');
  await writeFile(join(dir, 'ingest', 'partial'), hello.subarray(0, 5));
  assert.equal((await ingestEntries(dir)).length, 2);
  assert.equal(pending.digest, helloDigest);
  // "crash": the process is gone without committing; a new one opens the store once the
  // leftovers are older than any live write could be (a fresh one may be another process's).
  await BlobStore.open(dir);
  assert.equal((await ingestEntries(dir)).length, 2, 'recent ingest files may be live writes');
  const old = new Date(Date.now() - staleIngestMs - 1000);
  for (const name of await ingestEntries(dir)) await utimes(join(dir, 'ingest', name), old, old);
  const reopened = await BlobStore.open(dir);
  assert.deepEqual(await ingestEntries(dir), []);
  assert.deepEqual(await reopened.list(), []);
  assert.equal(await reopened.has(helloDigest), false);
});

test('commit makes a pending ingest visible; abort drops it', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const pending = await store.ingest(hello);
  assert.deepEqual(await pending.commit(), { digest: helloDigest, size: hello.length });
  assert.ok(await store.has(helloDigest));
  await assert.rejects(pending.commit(), { kind: 'failed-precondition' });
  const other = await store.ingest(Buffer.from('other'));
  await other.abort();
  assert.equal(await store.has(other.digest), false);
  assert.deepEqual(await ingestEntries(dir), []);
});

test('list and delete', async (t) => {
  const store = await BlobStore.open(await tempDir(t));
  const a = await store.write(Buffer.from('a'));
  const b = await store.write(Buffer.from('bb'));
  const byDigest = (x: { digest: string }, y: { digest: string }): number => x.digest.localeCompare(y.digest);
  assert.deepEqual((await store.list()).sort(byDigest), [a, b].sort(byDigest));
  await store.delete(a.digest);
  assert.deepEqual(await store.list(), [b]);
  assert.equal(await store.has(a.digest), false);
});

test('a reader opened before a delete still reads the whole blob', async (t) => {
  const store = await BlobStore.open(await tempDir(t));
  await store.write(hello);
  const stream = await store.createReadStream(helloDigest);
  await store.delete(helloDigest);
  assert.equal(await text(stream), hello.toString());
});

test('cleanIngest removes only old files not being written', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  await writeFile(join(dir, 'ingest', 'abandoned'), 'x');
  const pending = await store.ingest(hello);
  assert.equal(await store.cleanIngest(60_000), 0, 'young files stay');
  assert.equal(await store.cleanIngest(0, Date.now() + 1000), 1, 'only the abandoned file goes');
  await pending.commit();
  assert.ok(await store.has(helloDigest));
});

test('a blob larger than the early-flush step streams in whole and verified', async (t) => {
  const dir = await tempDir(t);
  const store = await BlobStore.open(dir);
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const chunks = Array.from({ length: 70 }, (_, i) => Buffer.concat([chunk.subarray(1), Buffer.from([i])]));
  const whole = Buffer.concat(chunks);
  const info = await store.write(Readable.from(chunks), { digest: digestOf(whole), size: whole.length });
  assert.equal(info.size, whole.length);
  assert.deepEqual(await readFile(await store.path(info.digest)), whole);
  await assert.rejects(store.write(Readable.from(chunks), { digest: helloDigest }), /digest mismatch/);
  assert.deepEqual(await ingestEntries(dir), []);
});
