import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, digestOf } from '../oci/index.js';
import type { ContentStore, ImageTarget } from './index.js';
import { settle, tempContent } from './testutil.js';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const indexType = 'application/vnd.oci.image.index.v1+json';

async function put(content: ContentStore, value: unknown, mediaType = manifestType): Promise<ImageTarget> {
  const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  const { digest, size } = await content.write(bytes);
  return { mediaType, digest, size };
}

/** config + two layers + a manifest over them. */
async function putImage(content: ContentStore, seed: string) {
  const config = await put(content, { architecture: 'amd64', os: 'linux', seed }, 'application/vnd.oci.image.config.v1+json');
  const layers = [await put(content, `layer-1-${seed}`), await put(content, `layer-2-${seed}`)];
  const manifest = await put(content, { schemaVersion: 2, mediaType: manifestType, config, layers });
  return { config, layers, manifest, all: [config.digest, ...layers.map((l) => l.digest), manifest.digest] };
}

async function present(content: ContentStore): Promise<Set<Digest>> {
  return new Set((await content.blobs.list()).map((blob) => blob.digest));
}

test('GC keeps manifest → config → layers of an image and removes orphans', async (t) => {
  const { content } = await tempContent(t);
  const image = await putImage(content, 'kept');
  await content.images.create('docker.io/library/kept:latest', image.manifest);
  const orphan = await putImage(content, 'orphan');
  const result = await content.gc();
  assert.deepEqual(new Set(result.removedBlobs), new Set(orphan.all));
  const orphanBytes = [orphan.config, ...orphan.layers, orphan.manifest].reduce((sum, d) => sum + d.size, 0);
  assert.equal(result.reclaimedBytes, orphanBytes);
  assert.deepEqual(await present(content), new Set(image.all));
  assert.deepEqual((await content.gc()).removedBlobs, [], 'a second run finds nothing');
});

test('GC follows index → manifests and subject, and skips blobs that are missing', async (t) => {
  const { content } = await tempContent(t);
  const amd64 = await putImage(content, 'amd64');
  const arm64 = await putImage(content, 'arm64');
  const missing = { mediaType: manifestType, digest: digestOf('never written'), size: 3 };
  const index = await put(
    content,
    { schemaVersion: 2, mediaType: indexType, manifests: [amd64.manifest, arm64.manifest, missing] },
    indexType,
  );
  const signature = await put(content, 'signature-bytes');
  const referrer = await put(content, {
    schemaVersion: 2,
    mediaType: manifestType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 },
    layers: [signature],
    subject: index,
  });
  await content.images.create('example.com/multi:v1', index);
  await content.images.create('example.com/multi:sig', referrer);
  const orphan = await put(content, 'orphan');
  const result = await content.gc();
  assert.deepEqual(result.removedBlobs, [orphan.digest]);
  assert.deepEqual(
    await present(content),
    new Set([...amd64.all, ...arm64.all, index.digest, referrer.digest, signature.digest]),
  );

  await content.images.delete('example.com/multi:sig');
  assert.deepEqual(new Set((await content.gc()).removedBlobs), new Set([referrer.digest, signature.digest]));
  await content.images.delete('example.com/multi:v1');
  await content.gc();
  assert.deepEqual(await present(content), new Set());
});

test('a lease keeps a blob alive through GC; an expired lease does not, and is removed', async (t) => {
  const { content } = await tempContent(t);
  const kept = content.leases.create();
  const expiring = content.leases.create({ ttlMs: 60_000 });
  const a = await content.write(Buffer.from('leased'), {}, { lease: kept.id });
  const b = await content.write(Buffer.from('briefly leased'), {}, { lease: expiring.id });
  assert.deepEqual((await content.gc()).removedBlobs, []);

  const later = await content.gc({ now: () => Date.now() + 120_000 });
  assert.deepEqual(later.removedBlobs, [b.digest]);
  assert.deepEqual(later.expiredLeases, [expiring.id]);
  assert.deepEqual(content.leases.list().map((lease) => lease.id), [kept.id]);
  assert.ok(await content.blobs.has(a.digest));

  content.leases.delete(kept.id);
  assert.deepEqual((await content.gc()).removedBlobs, [a.digest]);
});

test('a leased manifest keeps its children too', async (t) => {
  const { content } = await tempContent(t);
  const image = await putImage(content, 'pulling');
  const lease = content.leases.create();
  await content.leases.addResource(lease.id, image.manifest.digest);
  assert.deepEqual((await content.gc()).removedBlobs, []);
  assert.deepEqual(await present(content), new Set(image.all));
});

test('GC removes stale ingest files only after the grace period', async (t) => {
  const { root, content } = await tempContent(t);
  const ingest = join(root, 'content', 'ingest');
  await writeFile(join(ingest, 'abandoned'), 'partial');
  assert.equal((await content.gc()).removedIngestFiles, 0);
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  await utimes(join(ingest, 'abandoned'), old, old);
  assert.equal((await content.gc()).removedIngestFiles, 1);
  assert.deepEqual(await readdir(ingest), []);
});

test('a second collector on the same root is refused while one runs', async (t) => {
  const { root, content } = await tempContent(t);
  const { ContentStore } = await import('./index.js');
  const other = await ContentStore.open(root);
  t.after(() => other.close());
  let inner: Promise<unknown> = Promise.resolve();
  await content.gc({
    afterMark: async () => {
      inner = other.gc();
      await assert.rejects(inner, { kind: 'conflict' });
    },
  });
  await other.gc();
});

// The race GC must win: a writer records its blob in a lease while GC has already listed
// the blobs and read its roots. Each case starts the writer between mark and sweep.

test('GC never removes a blob a lease takes while GC runs (blob already present as an orphan)', async (t) => {
  const { content } = await tempContent(t);
  const bytes = Buffer.from('deduplicated layer');
  const orphan = await content.write(bytes);
  const lease = content.leases.create();
  let writing: Promise<unknown> = Promise.resolve();
  const result = await content.gc({
    afterMark: async () => {
      writing = content.write(bytes, { digest: orphan.digest }, { lease: lease.id });
      await settle();
    },
  });
  await writing;
  // This GC may have removed the orphan it marked, but then the writer, waiting for it,
  // found the blob gone and wrote it again.
  assert.deepEqual(result.removedBlobs, [orphan.digest]);
  assert.ok(await content.blobs.has(orphan.digest));
  assert.deepEqual((await content.gc()).removedBlobs, []);
  assert.deepEqual(await content.blobs.readBytes(orphan.digest), bytes);
  content.leases.delete(lease.id);
  assert.deepEqual((await content.gc()).removedBlobs, [orphan.digest]);
});

test('GC never removes a new blob written under a lease while GC runs', async (t) => {
  const { content } = await tempContent(t);
  const orphans = await Promise.all(Array.from({ length: 20 }, (_, i) => content.write(Buffer.from(`orphan ${i}`))));
  const lease = content.leases.create();
  const written: Promise<{ digest: Digest }>[] = [];
  const result = await content.gc({
    afterMark: async () => {
      for (let i = 0; i < 5; i += 1) written.push(content.write(Buffer.from(`fresh ${i}`), {}, { lease: lease.id }));
      await settle();
    },
  });
  const fresh = await Promise.all(written);
  assert.deepEqual(new Set(result.removedBlobs), new Set(orphans.map((o) => o.digest)));
  for (const blob of fresh) assert.ok(await content.blobs.has(blob.digest));
  assert.deepEqual((await content.gc()).removedBlobs, []);
});

test('interleaved writers and collectors: every leased blob survives', async (t) => {
  const { content } = await tempContent(t);
  let collecting = true;
  const collector = (async () => {
    let runs = 0;
    while (collecting) {
      await content.gc();
      runs += 1;
      await settle(1);
    }
    return runs;
  })();
  const writers = Array.from({ length: 30 }, (_, i) =>
    content.leases.withLease(async (lease) => {
      await settle(i % 7);
      const shared = await content.write(Buffer.from('shared layer'), { digest: digestOf('shared layer') }, { lease: lease.id });
      const own = await content.write(Buffer.from(`layer ${i}`), {}, { lease: lease.id });
      await settle(3);
      assert.ok(await content.blobs.has(shared.digest), `writer ${i}: shared blob`);
      assert.ok(await content.blobs.has(own.digest), `writer ${i}: own blob`);
      const manifest = await content.write(
        Buffer.from(JSON.stringify({ schemaVersion: 2, config: shared, layers: [own] })),
        {},
        { lease: lease.id },
      );
      await content.images.upsert(`example.com/app:${i}`, { mediaType: manifestType, ...manifest });
    }),
  );
  await Promise.all(writers);
  collecting = false;
  assert.ok((await collector) > 0);
  await content.gc();
  assert.equal(content.images.list().length, 30);
  assert.equal((await content.blobs.list()).length, 1 + 30 + 30);
});
