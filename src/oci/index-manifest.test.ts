import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.js';
import { parseIndex } from './index-manifest.js';
import { dockerManifest, dockerManifestList, ociIndex, ociManifest } from './mediatypes.js';

const ociIndexJson = {
  schemaVersion: 2,
  mediaType: ociIndex,
  manifests: [
    { mediaType: ociManifest, digest: digestOf('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    {
      mediaType: ociManifest,
      digest: digestOf('b'),
      size: 2,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digestOf('a') },
    },
    { mediaType: ociIndex, digest: digestOf('nested'), size: 3 },
  ],
  annotations: { 'org.opencontainers.image.ref.name': 'v1' },
};

test('parseIndex reads OCI indexes and Docker manifest lists', () => {
  assert.deepEqual(parseIndex(JSON.stringify(ociIndexJson)), ociIndexJson);
  const list = {
    schemaVersion: 2,
    mediaType: dockerManifestList,
    manifests: [
      { mediaType: dockerManifest, digest: digestOf('x'), size: 9, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
    ],
  };
  assert.deepEqual(parseIndex(new TextEncoder().encode(JSON.stringify(list))), list);
  assert.deepEqual(parseIndex('{"schemaVersion":2,"manifests":[]}'), { schemaVersion: 2, manifests: [] });
});

test('parseIndex refuses garbage, naming the field', () => {
  const i = ociIndexJson;
  const cases: Array<[unknown, RegExp]> = [
    [{ ...i, schemaVersion: 3 }, /^index\.schemaVersion: expected 2, got 3$/],
    [{ ...i, mediaType: ociManifest }, /^index\.mediaType: not an image index media type/],
    [{ ...i, manifests: undefined }, /^index\.manifests: required$/],
    [{ ...i, manifests: [{ mediaType: ociManifest, digest: digestOf('a') }] }, /^index\.manifests\[0\]\.size: required$/],
    [{ ...i, manifests: [{ ...i.manifests[0], platform: { os: 1 } }] }, /^index\.manifests\[0\]\.platform\.os: expected a string/],
    [{ schemaVersion: 2, config: {}, layers: [] }, /^index: this is an image manifest, not an index$/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseIndex(JSON.stringify(value)), { kind: 'invalid-argument', message }, JSON.stringify(value));
  }
  assert.throws(() => parseIndex('null'), { kind: 'invalid-argument', message: /^index: expected an object, got null$/ });
});
