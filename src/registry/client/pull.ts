import { pipeline } from 'node:stream/promises';
import type { ContentStore } from '../../content/index.js';
import type { PulledImage, PullOptions, TransferListener } from '../../engine/index.js';
import { notFound } from '../../lib/index.js';
import {
  formatPlatform,
  formatReference,
  hostPlatform,
  parseManifestOrIndex,
  parsePlatform,
  parseReference,
  selectManifest,
  type Descriptor,
  type ImageManifest,
} from '../../oci/index.js';
import type { RegistryClient } from './client.js';
import { mapLimit } from './limit.js';
import { fetchManifest } from './manifests.js';
import { coalescingCountingStream } from './progress.js';
import { BlobSources } from './sources.js';

export const blobConcurrency = 3;

interface Target {
  content: ContentStore;
  lease: string;
}

/**
 * Pulls `reference` (normalised, with a tag or digest) into the content store under the
 * lease: manifest (and index), config and layers, every blob verified against the digest
 * and size its parent names. Naming the image is the caller's business.
 */
export async function pullImage(
  client: RegistryClient,
  reference: string,
  store: Target,
  options: Pick<PullOptions, 'platform'>,
  progress: TransferListener,
): Promise<PulledImage> {
  const ref = parseReference(reference);
  const repository = ref.path;
  const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
  progress({ kind: 'start', repository, tag: ref.digest ? undefined : tagOrDigest });

  const top = await fetchManifest(client, repository, tagOrDigest);
  const parsed = parseManifestOrIndex(top.bytes, top.mediaType);
  const target: Descriptor = { mediaType: parsed.mediaType, digest: top.digest, size: top.bytes.length };
  let manifest: ImageManifest;
  let manifestBytes = top.bytes;
  let manifestDescriptor = target;
  if (parsed.kind === 'index') {
    const platform = options.platform ? parsePlatform(options.platform) : hostPlatform();
    const chosen = selectManifest(parsed.index, platform);
    if (!chosen) throw notFound(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries of ${reference}`);
    const child = await fetchManifest(client, repository, chosen.digest);
    const inner = parseManifestOrIndex(child.bytes, chosen.mediaType);
    if (inner.kind !== 'manifest') throw notFound(`${reference}: nested image indexes are not supported`);
    manifest = inner.manifest;
    manifestBytes = child.bytes;
    manifestDescriptor = { mediaType: inner.mediaType, digest: child.digest, size: child.bytes.length };
  } else {
    manifest = parsed.manifest;
  }

  const blobs = [{ descriptor: manifest.config, isConfig: true }, ...manifest.layers.map((descriptor) => ({ descriptor, isConfig: false }))];
  for (const { descriptor, isConfig } of blobs) {
    progress({ kind: 'blob', digest: descriptor.digest, phase: 'waiting', current: 0, total: descriptor.size, isConfig });
  }
  await mapLimit(blobs, blobConcurrency, async ({ descriptor, isConfig }) => {
    const report = (phase: 'exists' | 'downloading' | 'complete', current: number): void =>
      progress({ kind: 'blob', digest: descriptor.digest, phase, current, total: descriptor.size, isConfig });
    if (await store.content.blobs.has(descriptor.digest)) {
      await store.content.leases.addResource(store.lease, descriptor.digest);
      report('exists', descriptor.size);
      return;
    }
    const res = await client.expect(
      { method: 'GET', path: `/v2/${repository}/blobs/${descriptor.digest}`, scope: `repository:${repository}:pull` },
      [200],
    );
    const counter = coalescingCountingStream((done) => report('downloading', done));
    const written = store.content.write(counter, { digest: descriptor.digest, size: descriptor.size }, { lease: store.lease });
    const [piped, stored] = await Promise.allSettled([pipeline(res, counter), written]);
    if (stored.status === 'rejected') throw stored.reason;
    if (piped.status === 'rejected') throw piped.reason;
    report('complete', descriptor.size);
  });

  new BlobSources(store.content.metadata).record(client.host, repository, blobs.map((b) => b.descriptor.digest));
  // Manifests go in last: a manifest in the store promises its blobs are there too.
  await store.content.write(manifestBytes, { digest: manifestDescriptor.digest, size: manifestDescriptor.size }, { lease: store.lease });
  if (target.digest !== manifestDescriptor.digest) {
    await store.content.write(top.bytes, { digest: target.digest, size: target.size }, { lease: store.lease });
  }
  const named = ref.digest ? formatReference(ref) : formatReference({ domain: ref.domain, path: ref.path, tag: tagOrDigest });
  progress({ kind: 'done', digest: target.digest, size: target.size, reference: named });
  // An explicitly chosen platform is named by its manifest: the index would resolve to the host's.
  return { target: options.platform ? manifestDescriptor : target, reference: named, repoDigest: target.digest };
}
