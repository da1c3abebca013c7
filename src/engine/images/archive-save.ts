import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ContentStore } from '../../content/index.js';
import {
  digestOf,
  familiarName,
  familiarRepository,
  hexOf,
  layerCompression,
  ociIndex,
  ociLayer,
  ociManifest,
  parseReference,
  type Descriptor,
  type Digest,
  type ImageIndex,
  type ImageManifest,
} from '../../oci/index.js';
import { openLayerStream } from '../../layers/index.js';
import type { ResolvedImage } from './resolve.js';
import type { ArchiveFormat } from './types.js';

export interface ImageToSave {
  resolved: ResolvedImage;
  /** Full names to record for it (none: saved by ID). */
  names: string[];
}

const ociLayout = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/**
 * Writes images as one tar: an OCI image layout (`oci-layout`, `index.json`, `blobs/`) that,
 * in the docker format, also carries docker-archive's `manifest.json` and `repositories`
 * — the shape `docker save` writes since Docker 25, readable by both kinds of loader.
 * docker-archive layers must be uncompressed (their digest is the diff ID), so compressed
 * layers are stored uncompressed first (verified against the diff ID).
 */
export async function saveArchive(
  content: ContentStore,
  images: ImageToSave[],
  format: ArchiveFormat,
  lease: string,
): Promise<Readable> {
  const plans = [];
  for (const image of images) {
    plans.push(format === 'docker' ? await uncompressedPlan(content, image, lease) : plannedAsIs(image));
  }
  const pack = tar.pack();
  void writeArchive(content, pack, plans, format).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  // tar-stream's streams are streamx ones; hand callers a plain Node byte stream.
  return Readable.from(pack, { objectMode: false });
}

interface Plan {
  manifest: Descriptor;
  manifestBytes?: Buffer;
  config: Descriptor;
  layers: Descriptor[];
  names: string[];
}

function plannedAsIs(image: ImageToSave): Plan {
  const { resolved } = image;
  return {
    manifest: { mediaType: resolved.manifestMediaType, digest: resolved.manifestDigest, size: 0 },
    config: resolved.manifest.config,
    layers: resolved.manifest.layers,
    names: image.names,
  };
}

async function uncompressedPlan(content: ContentStore, image: ImageToSave, lease: string): Promise<Plan> {
  const { resolved } = image;
  const diffIds = resolved.config.rootfs.diff_ids;
  if (resolved.manifest.layers.every((l) => layerCompression(l.mediaType) === 'none')) return plannedAsIs(image);
  const layers: Descriptor[] = [];
  for (const [i, layer] of resolved.manifest.layers.entries()) {
    const diffId = diffIds[i];
    if (!diffId) throw new Error(`image ${resolved.manifest.config.digest} has fewer diff IDs than layers`);
    if (layerCompression(layer.mediaType) === 'none') {
      layers.push(layer);
      continue;
    }
    // Under the lease: no image names this uncompressed blob, so a GC during the save
    // would otherwise take it away. The lease is taken before the existence check.
    await content.leases.addResource(lease, diffId);
    const info = (await content.blobs.has(diffId))
      ? await content.blobs.info(diffId)
      : await content.write(await openLayerStream(await content.blobs.createReadStream(layer.digest)), { digest: diffId });
    layers.push({ mediaType: ociLayer, digest: info.digest, size: info.size });
  }
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: ociManifest, config: resolved.manifest.config, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    manifest: { mediaType: ociManifest, digest: digestOf(manifestBytes), size: manifestBytes.length },
    manifestBytes,
    config: resolved.manifest.config,
    layers,
    names: image.names,
  };
}

async function writeArchive(content: ContentStore, pack: tar.Pack, plans: Plan[], format: ArchiveFormat): Promise<void> {
  const written = new Set<Digest>();
  const addBytes = (name: string, bytes: Buffer | string): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ name, mode: 0o644, mtime: new Date(0) }, bytes, (err) => (err ? reject(err) : resolve())));
  const addBlob = async (digest: Digest, bytes?: Buffer): Promise<void> => {
    if (written.has(digest)) return;
    written.add(digest);
    const name = `blobs/sha256/${hexOf(digest)}`;
    if (bytes) return addBytes(name, bytes);
    const info = await content.blobs.info(digest);
    const entry = pack.entry({ name, size: info.size, mode: 0o644, mtime: new Date(0) });
    await pipeline(await content.blobs.createReadStream(digest), entry);
  };

  await addBytes('oci-layout', ociLayout);
  const index: ImageIndex = { schemaVersion: 2, mediaType: ociIndex, manifests: [] };
  const dockerManifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const plan of plans) {
    for (const layer of plan.layers) await addBlob(layer.digest);
    await addBlob(plan.config.digest);
    const manifestBytes = plan.manifestBytes ?? (await content.blobs.readBytes(plan.manifest.digest));
    await addBlob(plan.manifest.digest, manifestBytes);
    const manifest = { ...plan.manifest, size: manifestBytes.length };
    if (plan.names.length === 0) index.manifests.push(manifest);
    for (const name of plan.names) {
      const ref = parseReference(name);
      index.manifests.push({
        ...manifest,
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' },
      });
      const top = plan.layers.at(-1);
      if (top && ref.tag) (repositories[familiarRepository(ref)] ??= {})[ref.tag] = hexOf(top.digest);
    }
    dockerManifest.push({
      Config: `blobs/sha256/${hexOf(plan.config.digest)}`,
      RepoTags: plan.names.map((n) => familiarName(parseReference(n))),
      Layers: plan.layers.map((l) => `blobs/sha256/${hexOf(l.digest)}`),
    });
  }
  await addBytes('index.json', JSON.stringify(index));
  if (format === 'docker') {
    await addBytes('manifest.json', JSON.stringify(dockerManifest));
    if (Object.keys(repositories).length) await addBytes('repositories', JSON.stringify(repositories));
  }
}
