import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { digestOf } from '../oci/index.js';
import { ImageStore, type ImageTarget } from './images.js';
import { Metadata } from './metadata.js';
import { tempDir } from './testutil.js';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const target = (seed: string): ImageTarget => ({ mediaType: manifestType, digest: digestOf(seed), size: seed.length });

async function openImages(t: Parameters<typeof tempDir>[0], now?: () => number): Promise<ImageStore> {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  return new ImageStore(metadata, { now });
}

test('create, get, list, delete', async (t) => {
  let clock = 1_000;
  const images = await openImages(t, () => clock);
  const created = await images.create('docker.io/library/busybox:latest', target('a'), { owner: 'test' });
  assert.deepEqual(created, {
    name: 'docker.io/library/busybox:latest',
    target: target('a'),
    createdAt: new Date(1_000),
    updatedAt: new Date(1_000),
    labels: { owner: 'test' },
  });
  assert.deepEqual(images.get('docker.io/library/busybox:latest'), created);
  await assert.rejects(images.create('docker.io/library/busybox:latest', target('b')), { kind: 'already-exists' });

  clock = 2_000;
  await images.create(digestOf('a'), target('a'));
  assert.deepEqual(
    images.list().map((image) => image.name),
    [digestOf('a'), 'docker.io/library/busybox:latest'].sort(),
  );
  await images.delete('docker.io/library/busybox:latest');
  assert.throws(() => images.get('docker.io/library/busybox:latest'), { kind: 'not-found' });
  await assert.rejects(images.delete('docker.io/library/busybox:latest'), { kind: 'not-found' });
  assert.equal(images.list().length, 1);
});

test('upsert repoints a name, keeps created_at, and keeps labels unless given', async (t) => {
  let clock = 1_000;
  const images = await openImages(t, () => clock);
  await images.upsert('example.com/app:v1', target('a'), { tier: 'web' });
  clock = 5_000;
  const moved = await images.upsert('example.com/app:v1', target('b'));
  assert.deepEqual(moved.target, target('b'));
  assert.deepEqual(moved.createdAt, new Date(1_000));
  assert.deepEqual(moved.updatedAt, new Date(5_000));
  assert.deepEqual(moved.labels, { tier: 'web' });
  assert.deepEqual((await images.upsert('example.com/app:v1', target('b'), {})).labels, {});
});

test('filters and names pointing at a target', async (t) => {
  const images = await openImages(t);
  await images.create('docker.io/library/busybox:latest', target('a'), { keep: 'yes' });
  await images.create('docker.io/library/busybox:1.36', target('a'));
  await images.create('docker.io/library/alpine:3', target('b'));
  assert.deepEqual(images.namesFor(digestOf('a')), ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:latest']);
  assert.deepEqual(images.namesFor(digestOf('zzz')), []);
  const names = (filter: Parameters<ImageStore['list']>[0]): string[] => images.list(filter).map((i) => i.name);
  assert.deepEqual(names({ namePrefix: 'docker.io/library/alpine' }), ['docker.io/library/alpine:3']);
  assert.deepEqual(names({ targetDigest: digestOf('b') }), ['docker.io/library/alpine:3']);
  assert.deepEqual(names({ labels: { keep: 'yes' } }), ['docker.io/library/busybox:latest']);
});

test('invalid names and targets are refused', async (t) => {
  const images = await openImages(t);
  await assert.rejects(images.create('', target('a')), { kind: 'invalid-argument' });
  await assert.rejects(images.create('has space', target('a')), { kind: 'invalid-argument' });
  await assert.rejects(images.create('x', { ...target('a'), digest: 'sha256:nope' }), { kind: 'invalid-argument' });
  await assert.rejects(images.create('x', { ...target('a'), mediaType: '' }), { kind: 'invalid-argument' });
  await assert.rejects(images.create('x', { ...target('a'), size: -1 }), { kind: 'invalid-argument' });
  assert.deepEqual(images.list(), []);
});
