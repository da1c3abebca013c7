import { invalidArgument } from '../lib/index.js';

// OCI image-spec 1.1 media types.
export const ociDescriptor = 'application/vnd.oci.descriptor.v1+json';
export const ociLayoutHeader = 'application/vnd.oci.layout.header.v1+json';
export const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
export const ociIndex = 'application/vnd.oci.image.index.v1+json';
export const ociConfig = 'application/vnd.oci.image.config.v1+json';
export const ociLayer = 'application/vnd.oci.image.layer.v1.tar';
export const ociLayerGzip = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const ociLayerZstd = 'application/vnd.oci.image.layer.v1.tar+zstd';
// Deprecated by image-spec 1.1 but still found in the wild (Windows base layers).
export const ociLayerNondistributable = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const ociLayerNondistributableGzip = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const ociLayerNondistributableZstd = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
export const ociEmpty = 'application/vnd.oci.empty.v1+json';

// Docker image manifest v2 schema 2.
export const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
export const dockerManifestList = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const dockerConfig = 'application/vnd.docker.container.image.v1+json';
export const dockerLayer = 'application/vnd.docker.image.rootfs.diff.tar';
export const dockerLayerGzip = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const dockerLayerZstd = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
export const dockerForeignLayer = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
// Schema 1 is named only so that it can be refused with a clear message.
export const dockerSchema1Manifest = 'application/vnd.docker.distribution.manifest.v1+json';
export const dockerSchema1SignedManifest = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

export type LayerCompression = 'none' | 'gzip' | 'zstd';

const layerCompressions: ReadonlyMap<string, LayerCompression> = new Map([
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
]);

const nondistributable: ReadonlySet<string> = new Set([
  ociLayerNondistributable,
  ociLayerNondistributableGzip,
  ociLayerNondistributableZstd,
  dockerForeignLayer,
]);

/** Media type grammar from RFC 6838 (the pattern image-spec gives for descriptors). */
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidMediaType(value: string): boolean {
  return mediaTypePattern.test(value);
}

/** Media types compare without parameters (`; charset=…`) and case-insensitively. */
export function baseMediaType(mediaType: string): string {
  return mediaType.split(';', 1)[0]!.trim().toLowerCase();
}

export function isManifestType(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t === ociManifest || t === dockerManifest;
}

export function isIndexType(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t === ociIndex || t === dockerManifestList;
}

export function isConfigType(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t === ociConfig || t === dockerConfig;
}

export function isSchema1Type(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t === dockerSchema1Manifest || t === dockerSchema1SignedManifest;
}

export function isLayerType(mediaType: string): boolean {
  return layerCompressions.has(baseMediaType(mediaType));
}

/** Layers a registry client must not push (foreign / nondistributable). */
export function isNondistributableType(mediaType: string): boolean {
  return nondistributable.has(baseMediaType(mediaType));
}

/** How a layer blob is compressed; refuses media types that are not image layers. */
export function layerCompression(mediaType: string): LayerCompression {
  const compression = layerCompressions.get(baseMediaType(mediaType));
  if (!compression) throw invalidArgument(`not a layer media type: ${JSON.stringify(mediaType)}`);
  return compression;
}
