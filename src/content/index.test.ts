import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf } from '../oci/index.js';
import { openContent } from './index.js';
import { tempContent, tempDir } from './testutil.js';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';

async function readIndex(root: string): Promise<{ manifests: { digest: string; annotations?: Record<string, string> }[] }> {
  return JSON.parse(await readFile(join(root, 'content', 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
}

test('the root holds an OCI layout, the metadata db and nothing half-written', async (t) => {
  const { root, content } = await tempContent(t);
  await content.write(Buffer.from('x'));
  assert.deepEqual((await readdir(root)).filter((name) => !name.startsWith('metadata.db-')).sort(), ['content', 'metadata.db']);
  assert.deepEqual((await readdir(join(root, 'content'))).sort(), ['blobs', 'index.json', 'ingest', 'oci-layout']);
});

test('index.json follows the images, annotated with name and tag', async (t) => {
  const { root, content } = await tempContent(t);
  const manifest = await content.write(Buffer.from('{"schemaVersion":2}'));
  const target = { mediaType: manifestType, ...manifest };
  await content.images.create('docker.io/library/busybox:latest', target);
  await content.images.create(manifest.digest, target);
  const index = await readIndex(root);
  assert.deepEqual(
    index.manifests.map((entry) => entry.annotations),
    [
      { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest' },
      { 'io.containerd.image.name': manifest.digest },
    ].sort((a, b) => a['io.containerd.image.name'].localeCompare(b['io.containerd.image.name'])),
  );
  assert.ok(index.manifests.every((entry) => entry.digest === manifest.digest));
  await content.images.delete('docker.io/library/busybox:latest');
  await content.images.delete(manifest.digest);
  assert.deepEqual((await readIndex(root)).manifests, []);
});

test('images and blobs survive a reopen', async (t) => {
  const root = await tempDir(t);
  const first = await openContent(root);
  const manifest = await first.write(Buffer.from('{"schemaVersion":2}'));
  await first.images.create('example.com/app:v1', { mediaType: manifestType, ...manifest });
  await first.close();
  const second = await openContent(root);
  t.after(() => second.close());
  assert.deepEqual(second.images.get('example.com/app:v1').target.digest, manifest.digest);
  assert.ok(await second.blobs.has(manifest.digest));
  assert.equal((await readIndex(root)).manifests.length, 1);
});

test('a write under a lease records its digest; a refused write leaves no blob', async (t) => {
  const { content } = await tempContent(t);
  await content.leases.withLease(async (lease) => {
    const known = await content.write(Buffer.from('known'), { digest: digestOf('known') }, { lease: lease.id });
    const unknown = await content.write(Buffer.from('unknown'), {}, { lease: lease.id });
    assert.deepEqual(content.leases.resources(lease.id), [known.digest, unknown.digest].sort());
    await assert.rejects(content.write(Buffer.from('bad'), { digest: digestOf('other') }, { lease: lease.id }), {
      kind: 'invalid-argument',
    });
    assert.equal(await content.blobs.has(digestOf('bad')), false);
    assert.equal(await content.blobs.has(digestOf('other')), false);
  });
  await assert.rejects(content.write(Buffer.from('x'), {}, { lease: 'no-such-lease' }), { kind: 'not-found' });
  assert.equal(await content.blobs.has(digestOf('x')), false, 'refused by the lease: not committed');
});

test('close waits for a running GC', async (t) => {
  const root = await tempDir(t);
  const content = await openContent(root);
  let gcFinished = false;
  const gc = content.gc({
    afterMark: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gcFinished = true;
    },
  });
  await content.close();
  assert.ok(gcFinished);
  await gc;
});
