import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from '../oci/index.js';
import { BlobStore } from './blobs.js';
import { childrenOf, readDocument } from './refs.js';
import { tempDir } from './testutil.js';

const d = (seed: string) => digestOf(seed);

test('children of a manifest: config and layers are leaves, subject may lead on', () => {
  const manifest = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('config'), size: 1 },
    layers: [{ digest: d('l1') }, { digest: d('l2') }, { digest: 'not a digest' }, null],
    subject: { digest: d('subject') },
  };
  assert.deepEqual(childrenOf(manifest), [
    { digest: d('subject'), walk: true },
    { digest: d('config'), walk: false },
    { digest: d('l1'), walk: false },
    { digest: d('l2'), walk: false },
  ]);
});

test('children of an index are walked; other documents have none', () => {
  assert.deepEqual(childrenOf({ manifests: [{ digest: d('m1') }, { digest: d('m2') }] }), [
    { digest: d('m1'), walk: true },
    { digest: d('m2'), walk: true },
  ]);
  // An image config has a `config` object that is no descriptor.
  assert.deepEqual(childrenOf({ architecture: 'amd64', config: { Env: [] }, rootfs: { diff_ids: [d('x')] } }), []);
  for (const other of [null, 42, 'text', [], undefined]) assert.deepEqual(childrenOf(other), []);
});

test('readDocument parses JSON blobs and skips missing or non-JSON ones', async (t) => {
  const blobs = await BlobStore.open(await tempDir(t));
  const json = await blobs.write(Buffer.from('  {"manifests":[]}'));
  const binary = await blobs.write(Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
  const broken = await blobs.write(Buffer.from('{"manifests":'));
  assert.deepEqual(await readDocument(blobs, json.digest), { manifests: [] });
  assert.equal(await readDocument(blobs, binary.digest), undefined);
  assert.equal(await readDocument(blobs, broken.digest), undefined);
  assert.equal(await readDocument(blobs, d('missing')), undefined);
});
