import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseMediaType,
  dockerConfig,
  dockerForeignLayer,
  dockerLayer,
  dockerLayerGzip,
  dockerLayerZstd,
  dockerManifest,
  dockerManifestList,
  dockerSchema1SignedManifest,
  isConfigType,
  isIndexType,
  isLayerType,
  isManifestType,
  isNondistributableType,
  isSchema1Type,
  isValidMediaType,
  layerCompression,
  ociConfig,
  ociEmpty,
  ociIndex,
  ociLayer,
  ociLayerGzip,
  ociLayerNondistributable,
  ociLayerNondistributableGzip,
  ociLayerNondistributableZstd,
  ociLayerZstd,
  ociManifest,
} from './mediatypes.js';

test('media type constants have the spec values', () => {
  assert.equal(ociManifest, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(ociIndex, 'application/vnd.oci.image.index.v1+json');
  assert.equal(ociConfig, 'application/vnd.oci.image.config.v1+json');
  assert.equal(ociEmpty, 'application/vnd.oci.empty.v1+json');
  assert.equal(ociLayerZstd, 'application/vnd.oci.image.layer.v1.tar+zstd');
  assert.equal(dockerManifest, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.equal(dockerManifestList, 'application/vnd.docker.distribution.manifest.list.v2+json');
  assert.equal(dockerConfig, 'application/vnd.docker.container.image.v1+json');
  assert.equal(dockerLayerGzip, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  assert.equal(dockerForeignLayer, 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip');
});

test('kind predicates accept OCI and Docker types, ignoring parameters and case', () => {
  assert.ok(isManifestType(ociManifest));
  assert.ok(isManifestType(dockerManifest));
  assert.ok(isManifestType(`${ociManifest}; charset=utf-8`));
  assert.ok(isManifestType(ociManifest.toUpperCase()));
  assert.ok(!isManifestType(ociIndex));
  assert.ok(!isManifestType(dockerSchema1SignedManifest));
  assert.ok(isIndexType(ociIndex));
  assert.ok(isIndexType(dockerManifestList));
  assert.ok(!isIndexType(ociManifest));
  assert.ok(isConfigType(ociConfig) && isConfigType(dockerConfig) && !isConfigType(ociEmpty));
  assert.ok(isSchema1Type(dockerSchema1SignedManifest));
  assert.equal(baseMediaType(' Application/JSON ; charset=utf-8'), 'application/json');
});

test('layer types and their compression', () => {
  const table: Array<[string, 'none' | 'gzip' | 'zstd']> = [
    [ociLayer, 'none'],
    [ociLayerGzip, 'gzip'],
    [ociLayerZstd, 'zstd'],
    [ociLayerNondistributable, 'none'],
    [ociLayerNondistributableGzip, 'gzip'],
    [ociLayerNondistributableZstd, 'zstd'],
    [dockerLayer, 'none'],
    [dockerLayerGzip, 'gzip'],
    [dockerLayerZstd, 'zstd'],
    [dockerForeignLayer, 'gzip'],
  ];
  for (const [type, compression] of table) {
    assert.ok(isLayerType(type), type);
    assert.equal(layerCompression(type), compression, type);
  }
  for (const type of [ociManifest, ociConfig, ociEmpty, dockerConfig, 'application/octet-stream', '']) {
    assert.ok(!isLayerType(type), type);
    assert.throws(() => layerCompression(type), { kind: 'invalid-argument' }, type);
  }
  assert.ok(isNondistributableType(dockerForeignLayer));
  assert.ok(isNondistributableType(ociLayerNondistributableGzip));
  assert.ok(!isNondistributableType(ociLayerGzip));
});

test('isValidMediaType follows RFC 6838', () => {
  for (const ok of [ociManifest, 'application/json', 'text/plain', 'application/vnd.cncf.helm.chart.content.v1.tar+gzip']) {
    assert.ok(isValidMediaType(ok), ok);
  }
  for (const bad of ['', 'application', 'application/', '/json', 'application/json; charset=utf-8', 'a/b/c', 'ápp/x']) {
    assert.ok(!isValidMediaType(bad), bad);
  }
});
