import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import type { ContentStore, Lease } from '../../content/index.js';
import { openLayerStream } from '../../layers/index.js';
import {
  hostPlatform,
  ociConfig,
  ociLayer,
  ociManifest,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
} from '../../oci/index.js';
import { applyChanges } from './changes.js';
import { tarChecker } from './tar-check.js';
import type { ImportOptions } from './types.js';

/**
 * `docker import`: one layer from a root filesystem tarball (plain or compressed), stored
 * uncompressed so its digest is its diff ID, plus a config and a manifest. Returns the
 * manifest's descriptor; every blob is held by `lease` until a name references it.
 */
export async function importRootfs(
  content: ContentStore,
  lease: Lease,
  input: Readable,
  options: ImportOptions,
): Promise<Descriptor> {
  const tar = await openLayerStream(input);
  const checked = new PassThrough();
  const stored = content.write(checked, {}, { lease: lease.id });
  const [layer] = await Promise.all([stored, pipeline(tar, tarChecker('the imported file'), checked)]);

  const created = new Date().toISOString();
  const platform = hostPlatform();
  const config: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: applyChanges({}, options.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created, created_by: 'berth import', comment: options.message ?? 'Imported from -' }],
  };
  const configBlob = await storeJson(content, lease, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: ociManifest,
    config: { mediaType: ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: ociLayer, digest: layer.digest, size: layer.size }],
  };
  const manifestBlob = await storeJson(content, lease, manifest);
  return { mediaType: ociManifest, digest: manifestBlob.digest, size: manifestBlob.size };
}

export async function storeJson(content: ContentStore, lease: Lease, value: unknown): Promise<{ digest: Descriptor['digest']; size: number }> {
  const bytes = Buffer.from(JSON.stringify(value));
  return content.write(bytes, {}, { lease: lease.id });
}
