import path from 'node:path/posix';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ContentStore, Lease } from '../../content/index.js';
import { invalidArgument } from '../../lib/index.js';
import { openLayerStream } from '../../layers/index.js';
import {
  Digester,
  digestOf,
  isDigest,
  normalizeReference,
  ociConfig,
  ociLayer,
  ociLayerGzip,
  ociLayerZstd,
  ociManifest,
  parseImageConfig,
  parseIndex,
  type Descriptor,
  type Digest,
  type ImageManifest,
  type LayerCompression,
} from '../../oci/index.js';
import type { ProgressListener } from './types.js';

export interface LoadedImage {
  target: Descriptor;
  /** Full names; empty when the archive names none. */
  names: string[];
}

const maxDocumentBytes = 4 * 1024 * 1024;
const blobPath = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/;

/** What the archive held, by path: blobs went straight into the content store. */
interface ArchiveContents {
  stored: Map<string, { digest: Digest; size: number }>;
  documents: Map<string, Buffer>;
  links: Map<string, string>;
}

/**
 * Reads a docker-archive (legacy or Docker 25+) or an OCI image layout tarball, plain or
 * compressed. Blobs stream into the content store as they come, verified against their
 * names; the archive's own index decides what images it holds.
 */
export async function loadArchive(
  content: ContentStore,
  lease: Lease,
  input: Readable,
  progress?: ProgressListener,
): Promise<LoadedImage[]> {
  const contents = await readArchive(content, lease, await openLayerStream(input), progress);
  const manifestJson = contents.documents.get('manifest.json');
  if (manifestJson) return dockerArchiveImages(content, lease, contents, manifestJson);
  const indexJson = contents.documents.get('index.json');
  if (indexJson) return ociLayoutImages(contents, indexJson);
  throw invalidArgument('archive has neither manifest.json nor index.json: not a docker-archive or OCI image layout');
}

async function readArchive(
  content: ContentStore,
  lease: Lease,
  tarStream: Readable,
  progress?: ProgressListener,
): Promise<ArchiveContents> {
  const contents: ArchiveContents = { stored: new Map(), documents: new Map(), links: new Map() };
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    void (async () => {
      const name = entryName(header.name);
      if (header.type === 'symlink' || header.type === 'link') {
        const base = header.type === 'symlink' ? path.dirname(name) : '.';
        contents.links.set(name, entryName(path.join(base, header.linkname ?? '')));
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        const blob = blobPath.exec(name);
        if (blob) {
          const digest = `${blob[1]}:${blob[2]}`;
          if (!isDigest(digest)) throw invalidArgument(`archive entry ${name}: not a valid digest`);
          const info = await content.write(stream as unknown as Readable, { digest: digest as Digest, size: header.size ?? 0 }, { lease: lease.id });
          contents.stored.set(name, info);
          progress?.(`Loaded blob ${digest.slice(0, 19)}`);
        } else if ((header.size ?? 0) <= maxDocumentBytes && !name.endsWith('.tar')) {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          contents.documents.set(name, Buffer.concat(chunks));
        } else {
          contents.stored.set(name, await content.write(stream as unknown as Readable, {}, { lease: lease.id }));
        }
      }
      stream.resume();
    })().then(
      () => next(),
      (err: Error) => next(err),
    );
  });
  await pipeline(tarStream, extract);
  return contents;
}

/** Archive paths are relative and stay inside the archive: `..` or `/` are refused. */
function entryName(raw: string): string {
  const name = path.normalize(raw.replace(/^\.\//, '')).replace(/\/$/, '');
  if (name.startsWith('/') || name === '..' || name.startsWith('../')) {
    throw invalidArgument(`archive entry ${JSON.stringify(raw)} points outside the archive`);
  }
  return name;
}

function follow(contents: ArchiveContents, name: string): string {
  let current = name;
  for (let hops = 0; contents.links.has(current); hops++) {
    if (hops > 16) throw invalidArgument(`archive entry ${name}: too many links`);
    current = contents.links.get(current) ?? current;
  }
  return current;
}

async function blobOf(
  content: ContentStore,
  lease: Lease,
  contents: ArchiveContents,
  name: string,
): Promise<{ digest: Digest; size: number }> {
  const target = follow(contents, entryName(name));
  const stored = contents.stored.get(target);
  if (stored) return stored;
  const document = contents.documents.get(target);
  if (!document) throw invalidArgument(`archive names ${name} but does not contain it`);
  return content.write(document, {}, { lease: lease.id });
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function parseDockerManifest(bytes: Buffer): DockerManifestEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`manifest.json: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw invalidArgument('manifest.json: expected an array of images');
  return parsed.map((entry: unknown, i) => {
    const e = entry as Partial<DockerManifestEntry> | null;
    if (!e || typeof e.Config !== 'string') throw invalidArgument(`manifest.json[${i}].Config: expected a path`);
    if (!Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === 'string')) {
      throw invalidArgument(`manifest.json[${i}].Layers: expected an array of paths`);
    }
    if (e.RepoTags != null && (!Array.isArray(e.RepoTags) || !e.RepoTags.every((t) => typeof t === 'string'))) {
      throw invalidArgument(`manifest.json[${i}].RepoTags: expected an array of names`);
    }
    return { Config: e.Config, Layers: e.Layers, RepoTags: e.RepoTags ?? [] };
  });
}

async function dockerArchiveImages(
  content: ContentStore,
  lease: Lease,
  contents: ArchiveContents,
  manifestJson: Buffer,
): Promise<LoadedImage[]> {
  const images: LoadedImage[] = [];
  for (const [i, entry] of parseDockerManifest(manifestJson).entries()) {
    const configBlob = await blobOf(content, lease, contents, entry.Config);
    const config = parseImageConfig(await content.blobs.readBytes(configBlob.digest));
    if (config.rootfs.diff_ids.length !== entry.Layers.length) {
      throw invalidArgument(
        `manifest.json[${i}]: ${entry.Layers.length} layers but the config lists ${config.rootfs.diff_ids.length} diff_ids`,
      );
    }
    const layers: Descriptor[] = [];
    for (const [j, layerPath] of entry.Layers.entries()) {
      const blob = await blobOf(content, lease, contents, layerPath);
      const { diffId, compression } = await uncompressedDigest(content, blob.digest);
      if (diffId !== config.rootfs.diff_ids[j]) {
        throw invalidArgument(
          `manifest.json[${i}].Layers[${j}] (${layerPath}) does not match the config's diff_id ${config.rootfs.diff_ids[j]}`,
        );
      }
      const mediaType = { none: ociLayer, gzip: ociLayerGzip, zstd: ociLayerZstd }[compression];
      layers.push({ mediaType, digest: blob.digest, size: blob.size });
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const stored = await content.write(bytes, { digest: digestOf(bytes) }, { lease: lease.id });
    images.push({
      target: { mediaType: ociManifest, digest: stored.digest, size: stored.size },
      names: (entry.RepoTags ?? []).map((tag) => {
        try {
          return normalizeReference(tag);
        } catch (err) {
          throw invalidArgument(`manifest.json[${i}].RepoTags: ${(err as Error).message}`);
        }
      }),
    });
  }
  return images;
}

/** The diff ID of a stored layer: its own digest when uncompressed, else that of its contents. */
async function uncompressedDigest(
  content: ContentStore,
  digest: Digest,
): Promise<{ diffId: Digest; compression: LayerCompression }> {
  const head = await content.blobs.createReadStream(digest, { start: 0, end: 3 });
  const magic: Buffer[] = [];
  for await (const chunk of head) magic.push(chunk as Buffer);
  const bytes = Buffer.concat(magic);
  const compression: LayerCompression =
    bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : bytes.length === 4 && bytes.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : 'none';
  if (compression === 'none') return { diffId: digest, compression };
  const digester = new Digester();
  const hashing = new PassThrough();
  hashing.on('data', (chunk: Buffer) => digester.update(chunk));
  await pipeline(await openLayerStream(await content.blobs.createReadStream(digest)), hashing);
  return { diffId: digester.digest(), compression };
}

function ociLayoutImages(contents: ArchiveContents, indexJson: Buffer): LoadedImage[] {
  const index = parseIndex(indexJson);
  const images = new Map<Digest, LoadedImage>();
  for (const [i, descriptor] of index.manifests.entries()) {
    const hex = descriptor.digest.split(':')[1] ?? '';
    if (!contents.stored.has(`blobs/${descriptor.digest.split(':')[0]}/${hex}`)) {
      throw invalidArgument(`index.json.manifests[${i}]: blob ${descriptor.digest} is not in the archive`);
    }
    const image = images.get(descriptor.digest) ?? { target: descriptor, names: [] };
    images.set(descriptor.digest, image);
    const name = imageName(descriptor);
    if (name && !image.names.includes(name)) image.names.push(name);
  }
  return [...images.values()].map((image) => ({
    ...image,
    target: { mediaType: image.target.mediaType, digest: image.target.digest, size: image.target.size },
  }));
}

/**
 * containerd's full-name annotation, else an OCI ref name that is a whole reference. A ref
 * name without `/` or `:` is only a tag (image-spec allows both), which names nothing.
 */
function imageName(descriptor: Descriptor): string | undefined {
  const full = descriptor.annotations?.['io.containerd.image.name'];
  if (full) return normalizeReference(full);
  const ref = descriptor.annotations?.['org.opencontainers.image.ref.name'];
  if (!ref || !/[/:]/.test(ref)) return undefined;
  try {
    return normalizeReference(ref);
  } catch {
    return undefined;
  }
}
