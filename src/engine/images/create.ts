import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContentStore, Lease } from '../../content/index.js';
import {
  dockerForeignLayer,
  dockerLayer,
  dockerLayerGzip,
  dockerLayerZstd,
  ociConfig,
  ociLayer,
  ociLayerGzip,
  ociLayerNondistributableGzip,
  ociLayerZstd,
  ociManifest,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
} from '../../oci/index.js';
import { storeJson } from './import.js';
import type { ResolvedImage } from './resolve.js';
import { tarChecker } from './tar-check.js';
import type { NewImageRequest } from './types.js';

/** A Docker layer media type's OCI twin (the same bytes): the new manifest is an OCI one throughout. */
const dockerToOci: ReadonlyMap<string, string> = new Map([
  [dockerLayer, ociLayer],
  [dockerLayerGzip, ociLayerGzip],
  [dockerLayerZstd, ociLayerZstd],
  [dockerForeignLayer, ociLayerNondistributableGzip],
]);

const ociMediaType = (mediaType: string): string => dockerToOci.get(mediaType) ?? mediaType;

/** The digest of a tar with no entries (two zero blocks), what an unchanged upper dir gives. */
const EMPTY_TAR_DIGEST = `sha256:${createHash('sha256').update(Buffer.alloc(1024)).digest('hex')}`;

/**
 * A new image on top of `parent` (or of nothing): the parent's layers, plus `layer` when
 * given (stored uncompressed, so its digest is its diff ID), the request's execution
 * config, and one history entry (`empty_layer` when there is no layer). Returns the
 * manifest's descriptor; every blob written is held by `lease`.
 */
export async function createImage(
  content: ContentStore,
  lease: Lease,
  parent: ResolvedImage | undefined,
  request: NewImageRequest,
): Promise<Descriptor> {
  const layers = (parent?.manifest.layers ?? []).map((l) => ({ ...l, mediaType: ociMediaType(l.mediaType) }));
  const diffIds = [...(parent?.config.rootfs.diff_ids ?? [])];
  let emptyLayer = true;
  if (request.layer !== undefined) {
    const checked = new PassThrough();
    const stored = content.write(checked, {}, { lease: lease.id });
    const [layer] = await Promise.all([stored, pipeline(request.layer, tarChecker('the layer'), checked)]);
    // As Docker, a step that changed nothing adds no layer, only an empty_layer history entry.
    if (layer.digest !== EMPTY_TAR_DIGEST) {
      layers.push({ mediaType: ociLayer, digest: layer.digest, size: layer.size });
      diffIds.push(layer.digest);
      emptyLayer = false;
    }
  }
  const created = request.created ?? new Date().toISOString();
  const base = parent?.config;
  const platform = request.platform ?? { os: base?.os ?? 'linux', architecture: base?.architecture ?? 'amd64', ...(base?.variant ? { variant: base.variant } : {}) };
  const history = [...(base?.history ?? [])];
  if (request.createdBy !== undefined) history.push({
    created,
    created_by: request.createdBy,
    ...(request.comment === undefined ? {} : { comment: request.comment }),
    ...(request.author === undefined ? {} : { author: request.author }),
    ...(emptyLayer ? { empty_layer: true } : {}),
  });
  const config: ImageConfig = {
    created,
    ...(request.author === undefined ? {} : { author: request.author }),
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: request.config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  const configBlob = await storeJson(content, lease, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: ociManifest,
    config: { mediaType: ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, ...(l.urls ? { urls: l.urls } : {}) })),
  };
  const manifestBlob = await storeJson(content, lease, manifest);
  return { mediaType: ociManifest, digest: manifestBlob.digest, size: manifestBlob.size };
}
