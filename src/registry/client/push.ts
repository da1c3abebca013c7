import type { ContentStore } from '../../content/index.js';
import type { TransferListener } from '../../engine/index.js';
import { failedPrecondition, invalidArgument } from '../../lib/index.js';
import { formatPlatform, isNondistributableType, parseManifestOrIndex, parseReference, type Descriptor, type Digest } from '../../oci/index.js';
import type { RegistryClient } from './client.js';
import { mapLimit } from './limit.js';
import { maxManifestBytes } from './manifests.js';
import { blobConcurrency } from './pull.js';
import { BlobSources } from './sources.js';
import { cancelUpload, defaultUploadOptions, uploadBlob, type UploadOptions } from './upload.js';

export interface PushImageOptions {
  /** When blobs go up in chunks, and how big those are. */
  upload?: Partial<UploadOptions>;
}

/** A manifest or index to PUT, with the bytes the store holds for it. */
interface ManifestNode {
  descriptor: Descriptor;
  bytes: Buffer;
  mediaType: string;
}

interface BlobItem {
  descriptor: Descriptor;
  isConfig: boolean;
}

interface PushContext {
  client: RegistryClient;
  repository: string;
  scope: string;
  content: ContentStore;
  sources: BlobSources;
  progress: TransferListener;
  upload: UploadOptions;
}

/**
 * Pushes the manifest or index `manifest` (in the store) to `reference` (normalised, with a
 * tag). Every blob first — skipped when the registry has it, mounted from another repository
 * of the same registry when one is known to hold it, else uploaded (one PUT, or chunks for
 * a large blob) — then the manifests an index names, by digest, and last the top one under
 * the tag, so the registry never sees a manifest before what it references.
 *
 * An index whose manifests are not all in the store (a pull keeps one platform) is pushed
 * as its one available manifest, as Docker does; with several but not all, it is refused.
 */
export async function pushImage(
  client: RegistryClient,
  reference: string,
  content: ContentStore,
  manifest: Descriptor,
  progress: TransferListener,
  options: PushImageOptions = {},
): Promise<void> {
  const ref = parseReference(reference);
  if (!ref.tag) throw invalidArgument(`push needs a tag: ${reference}`);
  const repository = ref.path;
  const ctx: PushContext = {
    client,
    repository,
    scope: `repository:${repository}:pull,push`,
    content,
    sources: new BlobSources(content.metadata),
    progress,
    upload: { ...defaultUploadOptions, ...options.upload },
  };
  progress({ kind: 'start', repository, tag: ref.tag });

  const top = await pushableRoot(content, manifest, reference);
  const manifests: ManifestNode[] = [];
  const blobs = new Map<Digest, BlobItem>();
  await collect(content, top, manifests, blobs);
  for (const { descriptor, isConfig } of blobs.values()) {
    progress({ kind: 'blob', digest: descriptor.digest, phase: 'waiting', current: 0, total: descriptor.size, isConfig });
  }
  await mapLimit([...blobs.values()], blobConcurrency, (item) => pushBlob(ctx, item));
  ctx.sources.record(client.host, repository, [...blobs.keys()]);

  // Children by digest, bottom-up; the root (last) under the tag.
  for (const [i, node] of manifests.entries()) {
    const tagOrDigest = i === manifests.length - 1 ? ref.tag : node.descriptor.digest;
    const res = await client.expect(
      {
        method: 'PUT',
        path: `/v2/${repository}/manifests/${tagOrDigest}`,
        headers: { 'Content-Type': node.mediaType, 'Content-Length': String(node.bytes.length) },
        body: node.bytes,
        scope: ctx.scope,
      },
      [201],
    );
    res.resume();
  }
  const root = manifests[manifests.length - 1] as ManifestNode;
  progress({ kind: 'done', digest: root.descriptor.digest, size: root.bytes.length, reference });
}

/** What to push for `manifest`: itself, or for an index with missing children its one present manifest. */
async function pushableRoot(content: ContentStore, manifest: Descriptor, reference: string): Promise<ManifestNode> {
  const node = await readNode(content, manifest);
  const parsed = parseManifestOrIndex(node.bytes, node.mediaType);
  if (parsed.kind !== 'index') return node;
  const children = parsed.index.manifests;
  const present = await Promise.all(children.map((child) => content.blobs.has(child.digest)));
  if (present.every(Boolean)) return node;
  const available = children.filter((_, i) => present[i]);
  if (available.length === 1) return readNode(content, available[0] as Descriptor);
  const missing = children
    .filter((_, i) => !present[i])
    .map((child) => (child.platform ? `${child.digest} (${formatPlatform(child.platform)})` : child.digest));
  throw failedPrecondition(`cannot push ${reference}: its image index names manifests that are not in the store: ${missing.join(', ')}`);
}

async function readNode(content: ContentStore, descriptor: Descriptor): Promise<ManifestNode> {
  const bytes = await content.blobs.readBytes(descriptor.digest, { maxBytes: maxManifestBytes });
  const parsed = parseManifestOrIndex(bytes, descriptor.mediaType);
  return { descriptor: { ...descriptor, mediaType: parsed.mediaType, size: bytes.length }, bytes, mediaType: parsed.mediaType };
}

/** Walks the tree under `node`: manifests bottom-up into `manifests`, distributable blobs into `blobs`. */
async function collect(content: ContentStore, node: ManifestNode, manifests: ManifestNode[], blobs: Map<Digest, BlobItem>): Promise<void> {
  if (manifests.some((m) => m.descriptor.digest === node.descriptor.digest)) return;
  const parsed = parseManifestOrIndex(node.bytes, node.mediaType);
  if (parsed.kind === 'index') {
    for (const child of parsed.index.manifests) {
      if (!(await content.blobs.has(child.digest))) {
        throw failedPrecondition(`image index ${node.descriptor.digest} names manifest ${child.digest}, which is not in the store`);
      }
      await collect(content, await readNode(content, child), manifests, blobs);
    }
  } else {
    const { config, layers } = parsed.manifest;
    for (const layer of layers) {
      if (!isNondistributableType(layer.mediaType) && !blobs.has(layer.digest)) blobs.set(layer.digest, { descriptor: layer, isConfig: false });
    }
    if (!blobs.has(config.digest)) blobs.set(config.digest, { descriptor: config, isConfig: true });
  }
  manifests.push(node);
}

async function pushBlob(ctx: PushContext, { descriptor, isConfig }: BlobItem): Promise<void> {
  const { client, repository, scope, progress } = ctx;
  const report = (phase: 'exists' | 'pushing' | 'pushed' | 'mounted', current: number, from?: string): void =>
    progress({ kind: 'blob', digest: descriptor.digest, phase, current, total: descriptor.size, isConfig, ...(from ? { from } : {}) });
  const head = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${descriptor.digest}`, scope });
  head.resume();
  if (head.statusCode === 200) return report('exists', descriptor.size);

  // A mount the registry cannot make (unknown blob, no access to the source) starts an
  // ordinary upload instead (202): the last such session carries the bytes.
  let location: string | undefined;
  for (const from of ctx.sources.candidates(client.host, descriptor.digest, repository)) {
    if (location) await cancelUpload(client, location, scope);
    const query = new URLSearchParams({ mount: descriptor.digest, from });
    const res = await client.expect(
      { method: 'POST', path: `/v2/${repository}/blobs/uploads/?${query}`, scope: [scope, `repository:${from}:pull`] },
      [201, 202],
    );
    res.resume();
    if (res.statusCode === 201) return report('mounted', descriptor.size, from);
    location = res.headers.location;
    ctx.sources.forget(client.host, from, descriptor.digest);
  }
  const start = async (): Promise<string> => {
    const started = await client.expect({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, scope }, [202]);
    started.resume();
    if (!started.headers.location) throw invalidArgument(`registry ${client.host} started an upload without a Location`);
    return started.headers.location;
  };
  location ??= await start();
  const file = await ctx.content.blobs.path(descriptor.digest);
  await uploadBlob({ client, scope, file, descriptor, onProgress: (done) => report('pushing', done), restart: start }, location, ctx.upload);
  report('pushed', descriptor.size);
}
