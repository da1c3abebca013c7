import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.js';
import { parseManifest } from './manifest.js';
import { dockerConfig, dockerLayerGzip, dockerManifest, ociConfig, ociLayerGzip, ociManifest } from './mediatypes.js';

const d = (s: string): `${string}:${string}` => digestOf(s);

const ociManifestJson = {
  schemaVersion: 2,
  mediaType: ociManifest,
  config: { mediaType: ociConfig, digest: d('config'), size: 6 },
  layers: [
    { mediaType: ociLayerGzip, digest: d('l1'), size: 10 },
    { mediaType: ociLayerGzip, digest: d('l2'), size: 20 },
  ],
  annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
};

test('parseManifest reads OCI manifests from bytes and text', () => {
  const text = JSON.stringify(ociManifestJson);
  assert.deepEqual(parseManifest(text), ociManifestJson);
  assert.deepEqual(parseManifest(new TextEncoder().encode(text)), ociManifestJson);
  // image-spec: mediaType is optional in an OCI manifest; unknown fields are ignored.
  const { mediaType: _m, ...bare } = ociManifestJson;
  assert.deepEqual(parseManifest(JSON.stringify({ ...bare, future: true })), bare);
});

test('parseManifest reads Docker schema 2 manifests', () => {
  const docker = {
    schemaVersion: 2,
    mediaType: dockerManifest,
    config: { mediaType: dockerConfig, digest: d('c'), size: 1 },
    layers: [{ mediaType: dockerLayerGzip, digest: d('l'), size: 2 }],
  };
  assert.deepEqual(parseManifest(JSON.stringify(docker)), docker);
});

test('parseManifest reads artifact manifests with subject and artifactType', () => {
  const artifact = {
    schemaVersion: 2,
    mediaType: ociManifest,
    artifactType: 'application/vnd.example.sbom',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2, data: 'e30=' },
    layers: [],
    subject: { mediaType: ociManifest, digest: d('subject'), size: 123 },
  };
  assert.deepEqual(parseManifest(JSON.stringify(artifact)), artifact);
});

test('parseManifest refuses garbage, naming the field', () => {
  const m = ociManifestJson;
  const layer2 = { mediaType: ociLayerGzip, digest: 'x', size: 1 };
  const cases: Array<[string | Uint8Array, RegExp]> = [
    ['', /^manifest: invalid JSON/],
    ['{', /^manifest: invalid JSON/],
    [new Uint8Array([0x7b, 0xff, 0x7d]), /^manifest: not valid UTF-8$/],
    ['[]', /^manifest: expected an object, got array$/],
    ['"x"', /^manifest: expected an object, got string "x"$/],
    [JSON.stringify({ ...m, schemaVersion: 1 }), /^manifest\.schemaVersion: expected 2, got 1$/],
    [JSON.stringify({ ...m, schemaVersion: '2' }), /^manifest\.schemaVersion: expected 2, got "2"$/],
    [JSON.stringify({ ...m, schemaVersion: undefined }), /^manifest\.schemaVersion: required$/],
    [JSON.stringify({ ...m, mediaType: 'application/vnd.oci.image.index.v1+json' }), /^manifest\.mediaType: not an image manifest media type/],
    [JSON.stringify({ ...m, config: undefined }), /^manifest\.config: required$/],
    [JSON.stringify({ ...m, layers: undefined }), /^manifest\.layers: required$/],
    [JSON.stringify({ ...m, layers: {} }), /^manifest\.layers: expected an array, got object$/],
    [JSON.stringify({ ...m, layers: [...m.layers, layer2] }), /^manifest\.layers\[2\]\.digest: invalid digest "x"$/],
    [JSON.stringify({ ...m, layers: [m.layers[0], { ...m.layers[0], size: -3 }] }), /^manifest\.layers\[1\]\.size: /],
    [JSON.stringify({ ...m, config: { ...m.config, mediaType: 'x' } }), /^manifest\.config\.mediaType: invalid media type "x"$/],
    [JSON.stringify({ ...m, subject: 'x' }), /^manifest\.subject: expected an object/],
    [JSON.stringify({ ...m, annotations: [] }), /^manifest\.annotations: expected an object, got array$/],
    [JSON.stringify({ ...m, artifactType: 'nope' }), /^manifest\.artifactType: invalid media type/],
    [JSON.stringify({ schemaVersion: 2, manifests: [] }), /^manifest: this is an image index, not a manifest$/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseManifest(input), { kind: 'invalid-argument', message }, String(input));
  }
});
