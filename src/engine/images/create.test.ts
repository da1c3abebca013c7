import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { tempContent } from '../../content/testutil.js';
import { dockerLayerGzip, ociLayer, ociLayerGzip, parseImageConfig, parseManifestOrIndex, type Digest } from '../../oci/index.js';
import { createImage } from './create.js';
import type { ResolvedImage } from './resolve.js';

const emptyTar = (): Readable => Readable.from([Buffer.alloc(1024)]);

test('a step over a Docker-typed parent: OCI media types throughout, empty diffs add no layer', async (t) => {
  const { content } = await tempContent(t);
  const parentLayer = `sha256:${'a'.repeat(64)}` as Digest;
  const parent: ResolvedImage = {
    target: { mediaType: 'x', digest: `sha256:${'b'.repeat(64)}` as Digest, size: 1 },
    manifestDigest: `sha256:${'b'.repeat(64)}` as Digest,
    manifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    manifest: {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'c'.repeat(64)}` as Digest, size: 1 },
      layers: [{ mediaType: dockerLayerGzip, digest: parentLayer, size: 10 }],
    },
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'d'.repeat(64)}` as Digest] }, history: [{ created_by: 'base' }] },
  };
  const lease = content.leases.create({ ttlMs: 60_000 });
  const empty = await createImage(content, lease, parent, { layer: emptyTar(), config: { Cmd: ['sh'] }, createdBy: '/bin/sh -c true' });
  const manifest = parseManifestOrIndex(await content.blobs.readBytes(empty.digest), empty.mediaType);
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  assert.deepEqual(manifest.manifest.layers.map((l) => l.mediaType), [ociLayerGzip]);
  const config = parseImageConfig(await content.blobs.readBytes(manifest.manifest.config.digest));
  assert.equal(config.rootfs.diff_ids.length, 1);
  assert.deepEqual(config.history?.at(-1), { created: config.created, created_by: '/bin/sh -c true', empty_layer: true });
  assert.deepEqual(config.config, { Cmd: ['sh'] });

  const tar = Buffer.alloc(2048);
  tar.write('file.txt', 0);
  tar.write('0000644\0', 100);
  tar.write('0000000\0', 108);
  tar.write('0000000\0', 116);
  tar.write('00000000000\0', 124);
  tar.write('00000000000\0', 136);
  tar.write('0', 156);
  tar.write('ustar\0', 257);
  tar.write('00', 263);
  let sum = 0;
  tar.fill(' ', 148, 156);
  for (let i = 0; i < 512; i++) sum += tar[i] ?? 0;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const withLayer = await createImage(content, lease, parent, { layer: Readable.from([tar]), config: {}, createdBy: 'x' });
  const m2 = parseManifestOrIndex(await content.blobs.readBytes(withLayer.digest), withLayer.mediaType);
  if (m2.kind !== 'manifest') return assert.fail('not a manifest');
  assert.deepEqual(m2.manifest.layers.map((l) => l.mediaType), [ociLayerGzip, ociLayer]);
  content.leases.delete(lease.id);
});
