import fs from 'node:fs';
import type { ContentStore } from '../../content/index.js';
import type { TransferListener } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { isNondistributableType, parseManifestOrIndex, parseReference, type Descriptor } from '../../oci/index.js';
import type { RegistryClient } from './client.js';
import { mapLimit } from './limit.js';
import { maxManifestBytes } from './manifests.js';
import { countingStream } from './progress.js';
import { blobConcurrency } from './pull.js';

/**
 * Pushes the manifest `manifest` (in the store) to `reference` (normalised, with a tag):
 * config and layers first — skipped when the registry has them, else one monolithic upload
 * each (POST, then PUT ?digest= with the whole body) — then the manifest under the tag.
 */
export async function pushImage(
  client: RegistryClient,
  reference: string,
  content: ContentStore,
  manifest: Descriptor,
  progress: TransferListener,
): Promise<void> {
  const ref = parseReference(reference);
  if (!ref.tag) throw invalidArgument(`push needs a tag: ${reference}`);
  const repository = ref.path;
  const scope = `repository:${repository}:pull,push`;
  progress({ kind: 'start', repository, tag: ref.tag });

  const bytes = await content.blobs.readBytes(manifest.digest, { maxBytes: maxManifestBytes });
  const parsed = parseManifestOrIndex(bytes, manifest.mediaType);
  if (parsed.kind !== 'manifest') throw invalidArgument('pushing an image index is not supported yet');
  const layers = parsed.manifest.layers.filter((l) => !isNondistributableType(l.mediaType));
  const blobs = [...layers.map((descriptor) => ({ descriptor, isConfig: false })), { descriptor: parsed.manifest.config, isConfig: true }];
  for (const { descriptor, isConfig } of blobs) {
    progress({ kind: 'blob', digest: descriptor.digest, phase: 'waiting', current: 0, total: descriptor.size, isConfig });
  }

  await mapLimit(blobs, blobConcurrency, async ({ descriptor, isConfig }) => {
    const report = (phase: 'exists' | 'pushing' | 'pushed', current: number): void =>
      progress({ kind: 'blob', digest: descriptor.digest, phase, current, total: descriptor.size, isConfig });
    const head = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${descriptor.digest}`, scope });
    head.resume();
    if (head.statusCode === 200) return report('exists', descriptor.size);
    const started = await client.expect({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, scope }, [202]);
    started.resume();
    const location = started.headers.location;
    if (!location) throw invalidArgument(`registry ${client.host} started an upload without a Location`);
    const url = new URL(location, `http://${client.host}/`);
    url.searchParams.set('digest', descriptor.digest);
    const file = await content.blobs.path(descriptor.digest);
    const put = await client.expect(
      {
        method: 'PUT',
        path: /^https?:\/\//.test(location) ? url.href : url.pathname + url.search,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(descriptor.size) },
        body: () => fs.createReadStream(file).pipe(countingStream((done) => report('pushing', done))),
        scope,
      },
      [201],
    );
    put.resume();
    report('pushed', descriptor.size);
  });

  const res = await client.expect(
    {
      method: 'PUT',
      path: `/v2/${repository}/manifests/${ref.tag}`,
      headers: { 'Content-Type': parsed.mediaType, 'Content-Length': String(bytes.length) },
      body: bytes,
      scope,
    },
    [201],
  );
  res.resume();
  progress({ kind: 'done', digest: manifest.digest, size: bytes.length, reference });
}
