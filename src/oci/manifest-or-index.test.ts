import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.js';
import { parseManifestOrIndex } from './manifest-or-index.js';
import {
  dockerManifest,
  dockerManifestList,
  dockerSchema1SignedManifest,
  ociConfig,
  ociIndex,
  ociManifest,
} from './mediatypes.js';

const manifestBody = {
  schemaVersion: 2,
  config: { mediaType: ociConfig, digest: digestOf('c'), size: 1 },
  layers: [],
};
const indexBody = { schemaVersion: 2, manifests: [{ mediaType: ociManifest, digest: digestOf('m'), size: 5 }] };
const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

test('the mediaType field decides', () => {
  const m = parseManifestOrIndex(json({ ...manifestBody, mediaType: dockerManifest }));
  assert.equal(m.kind, 'manifest');
  assert.equal(m.mediaType, dockerManifest);
  const i = parseManifestOrIndex(json({ ...indexBody, mediaType: dockerManifestList }), 'application/octet-stream');
  assert.equal(i.kind, 'index');
  assert.equal(i.mediaType, dockerManifestList);
});

test('a manifest or index Content-Type is used when the field is absent', () => {
  const m = parseManifestOrIndex(json(manifestBody), `${ociManifest}; charset=utf-8`);
  assert.deepEqual(m, { kind: 'manifest', mediaType: ociManifest, manifest: manifestBody });
  const i = parseManifestOrIndex(json(indexBody), ociIndex);
  assert.deepEqual(i, { kind: 'index', mediaType: ociIndex, index: indexBody });
});

test('without field or useful hint, the shape decides', () => {
  assert.equal(parseManifestOrIndex(json(manifestBody)).kind, 'manifest');
  assert.equal(parseManifestOrIndex(json(manifestBody), 'application/json').mediaType, ociManifest);
  const i = parseManifestOrIndex(JSON.stringify(indexBody));
  assert.equal(i.kind, 'index');
  assert.equal(i.mediaType, ociIndex);
});

test('contradictions and unsupported formats are refused', () => {
  assert.throws(() => parseManifestOrIndex(json({ ...manifestBody, mediaType: ociManifest }), ociIndex), {
    kind: 'invalid-argument',
    message: /does not match the expected application\/vnd\.oci\.image\.index\.v1\+json/,
  });
  assert.throws(() => parseManifestOrIndex(json(indexBody), ociManifest), {
    kind: 'invalid-argument',
    message: /^manifest\.manifests|^manifest: this is an image index/,
  });
  assert.throws(() => parseManifestOrIndex(json({ ...manifestBody, mediaType: 'application/vnd.example+json' })), {
    kind: 'invalid-argument',
    message: /not a manifest or index media type/,
  });
  assert.throws(() => parseManifestOrIndex(json({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] })), {
    kind: 'invalid-argument',
    message: /schema 1 is not supported/,
  });
  assert.throws(() => parseManifestOrIndex('{}', dockerSchema1SignedManifest), { message: /schema 1/ });
  assert.throws(() => parseManifestOrIndex('{}'), { kind: 'invalid-argument', message: /^manifest\.schemaVersion: required$/ });
  assert.throws(() => parseManifestOrIndex('nope'), { kind: 'invalid-argument', message: /invalid JSON/ });
  assert.throws(() => parseManifestOrIndex(json({ ...indexBody, manifests: [{ size: 1 }] })), {
    message: /^index\.manifests\[0\]\.mediaType: required$/,
  });
});
