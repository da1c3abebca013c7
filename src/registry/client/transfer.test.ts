import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore } from '../../content/index.js';
import type { TransferEvent } from '../../engine/index.js';
import { errorKind } from '../../lib/index.js';
import { digestOf, hostPlatform, ociConfig, ociIndex, ociLayerGzip, ociManifest, type Descriptor } from '../../oci/index.js';
import { RegistryClient } from './client.js';
import { startFakeRegistry } from './fake-registry.js';
import { pullImage } from './pull.js';
import { pushImage } from './push.js';

async function tempContent(t: TestContext): Promise<ContentStore> {
  const root = await mkdtemp(join(tmpdir(), 'berth-transfer-'));
  const content = await ContentStore.open(root);
  t.after(async () => {
    await content.close();
    await rm(root, { recursive: true, force: true });
  });
  return content;
}

function describe(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length };
}

/** A one-layer image as blobs: the layer bytes need not be a real tarball for transfer. */
function image(arch: string, marker: string): { blobs: Buffer[]; manifest: Buffer; descriptor: Descriptor } {
  const layer = Buffer.from(`layer ${marker} `.repeat(1000));
  const config = Buffer.from(
    JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] }, config: {} }),
  );
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: ociManifest, config: describe(ociConfig, config), layers: [describe(ociLayerGzip, layer)] }),
  );
  return { blobs: [layer, config], manifest, descriptor: describe(ociManifest, manifest) };
}

const none = (): undefined => undefined;

test('push then pull through a registry that demands Bearer tokens', async (t) => {
  const fake = await startFakeRegistry({ bearer: {} });
  t.after(() => fake.close());
  const source = await tempContent(t);
  const img = image('amd64', 'one');
  for (const blob of [...img.blobs, img.manifest]) await source.write(blob);

  const pushed: TransferEvent[] = [];
  const client = new RegistryClient(fake.host, { lookup: none });
  await pushImage(client, `${fake.host}/test/img:1`, source, img.descriptor, (e) => pushed.push(e));
  assert.ok(pushed.some((e) => e.kind === 'blob' && e.phase === 'pushed'));
  assert.deepEqual(pushed.at(-1), { kind: 'done', digest: img.descriptor.digest, size: img.manifest.length, reference: `${fake.host}/test/img:1` });
  // Pushing again finds every blob there already.
  const again: TransferEvent[] = [];
  await pushImage(client, `${fake.host}/test/img:1`, source, img.descriptor, (e) => again.push(e));
  assert.ok(again.filter((e) => e.kind === 'blob' && e.phase !== 'waiting').every((e) => e.kind === 'blob' && e.phase === 'exists'));

  const target = await tempContent(t);
  const pulled: TransferEvent[] = [];
  const result = await target.leases.withLease((lease) =>
    pullImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/test/img:1`, { content: target, lease: lease.id }, {}, (e) => pulled.push(e)),
  );
  assert.deepEqual(result.target, img.descriptor);
  assert.equal(result.repoDigest, img.descriptor.digest);
  assert.equal(result.reference, `${fake.host}/test/img:1`);
  for (const blob of [...img.blobs, img.manifest]) assert.deepEqual(await target.blobs.readBytes(digestOf(blob)), blob);
  const layerDone = pulled.find((e) => e.kind === 'blob' && !e.isConfig && e.phase === 'complete');
  assert.ok(layerDone && layerDone.kind === 'blob' && layerDone.current === img.blobs[0]?.length);
});

test('an index: the requested platform is chosen; the repo digest is the index', async (t) => {
  const fake = await startFakeRegistry();
  t.after(() => fake.close());
  const amd = image('amd64', 'amd');
  const arm = image('arm64', 'arm');
  for (const img of [amd, arm]) {
    for (const blob of img.blobs) fake.blobs.set(digestOf(blob), blob);
    fake.manifests.set(`multi:${img.descriptor.digest}`, { bytes: img.manifest, mediaType: ociManifest });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [
        { ...amd.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm.descriptor, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }),
  );
  fake.manifests.set('multi:latest', { bytes: index, mediaType: ociIndex });
  const content = await tempContent(t);
  const result = await content.leases.withLease((lease) =>
    pullImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/multi:latest`, { content, lease: lease.id }, { platform: 'linux/arm64' }, () => undefined),
  );
  assert.deepEqual(result.target, arm.descriptor, 'an explicit platform is named by its manifest');
  assert.equal(result.repoDigest, digestOf(index));
  assert.ok(await content.blobs.has(digestOf(index)));
  assert.ok(await content.blobs.has(arm.descriptor.digest));
  assert.ok(await content.blobs.has(digestOf(arm.blobs[0] ?? Buffer.alloc(0))));
  assert.equal(await content.blobs.has(amd.descriptor.digest), false);
});

test('a layer whose bytes do not match the manifest is refused and leaves no manifest', async (t) => {
  const fake = await startFakeRegistry();
  t.after(() => fake.close());
  const img = image('amd64', 'broken');
  for (const blob of img.blobs) fake.blobs.set(digestOf(blob), blob);
  const layer = img.blobs[0] ?? Buffer.alloc(0);
  const evil = Buffer.from(layer);
  evil[0] = 0x58; // same size, other bytes
  fake.corrupt.set(digestOf(layer), evil);
  fake.manifests.set('bad:1', { bytes: img.manifest, mediaType: ociManifest });
  const content = await tempContent(t);
  await assert.rejects(
    content.leases.withLease((lease) =>
      pullImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/bad:1`, { content, lease: lease.id }, {}, () => undefined),
    ),
    (err: Error) => errorKind(err) === 'invalid-argument',
  );
  assert.equal(await content.blobs.has(img.descriptor.digest), false);
  assert.equal(await content.blobs.has(digestOf(layer)), false);
});

test('a manifest that does not match the digest asked for is refused', async (t) => {
  const fake = await startFakeRegistry();
  t.after(() => fake.close());
  const img = image('amd64', 'm');
  const other = image('amd64', 'other');
  fake.manifests.set(`m:${img.descriptor.digest}`, { bytes: other.manifest, mediaType: ociManifest });
  const content = await tempContent(t);
  await assert.rejects(
    content.leases.withLease((lease) =>
      pullImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/m@${img.descriptor.digest}`, { content, lease: lease.id }, {}, () => undefined),
    ),
    (err: Error) => errorKind(err) === 'invalid-argument' && /expected/.test(err.message),
  );
});

test('an index pulled for the host keeps the index as the target', async (t) => {
  const fake = await startFakeRegistry();
  t.after(() => fake.close());
  const img = image('amd64', 'host');
  for (const blob of img.blobs) fake.blobs.set(digestOf(blob), blob);
  fake.manifests.set(`h:${img.descriptor.digest}`, { bytes: img.manifest, mediaType: ociManifest });
  const host = hostPlatform();
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: [{ ...img.descriptor, platform: { os: host.os, architecture: host.architecture } }] }),
  );
  fake.manifests.set('h:latest', { bytes: index, mediaType: ociIndex });
  const content = await tempContent(t);
  const result = await content.leases.withLease((lease) =>
    pullImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/h:latest`, { content, lease: lease.id }, {}, () => undefined),
  );
  assert.deepEqual(result.target, describe(ociIndex, index));
  assert.ok(await content.blobs.has(img.descriptor.digest));
});

test('a registry that refuses PATCH gets a large blob in one PUT instead', async (t) => {
  const fake = await startFakeRegistry();
  t.after(() => fake.close());
  const source = await tempContent(t);
  const img = image('amd64', 'whole');
  for (const blob of [...img.blobs, img.manifest]) await source.write(blob);
  const layer = img.blobs[0] ?? Buffer.alloc(0);
  await pushImage(new RegistryClient(fake.host, { lookup: none }), `${fake.host}/w/img:1`, source, img.descriptor, () => undefined, {
    upload: { chunkThreshold: 1024, chunkBytes: 1024 },
  });
  assert.deepEqual(fake.blobs.get(digestOf(layer)), layer);
  const uploads = fake.log.filter((l) => /^(PATCH|PUT) \/v2\/w\/img\/blobs\/uploads\//.test(l)).map((l) => l.split(' ')[0]);
  assert.deepEqual(uploads.filter((m) => m === 'PATCH').length, 1, 'one refused PATCH for the large layer');
  assert.equal(uploads.filter((m) => m === 'PUT').length, 2, 'then whole PUTs (layer and config)');
});
