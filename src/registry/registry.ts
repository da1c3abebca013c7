import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type BlobInfo, type ContentStore, openContent } from '../content/index.js';
import { errorKind, isNotFound } from '../lib/index.js';
import {
  type Descriptor,
  type Digest,
  digestOf,
  isNondistributableType,
  type ManifestOrIndex,
  ociIndex,
  parseDigest,
  parseManifestOrIndex,
} from '../oci/index.js';
import { registryError } from './errors.js';
import { checkDigest, checkRepositoryName, isValidRepositoryName, parseManifestReference } from './names.js';
import type { ByteRange } from './ranges.js';
import { type ManifestRecord, type Page, RepositoryIndex } from './repositories.js';
import { type UploadState, UploadStore } from './uploads.js';

/** Largest manifest accepted, as distribution and the spec's SHOULD. */
export const maxManifestBytes = 4 * 1024 * 1024;
/** A pushed blob outlives GC this long without a manifest, so that the manifest can follow. */
export const blobGraceMs = 60 * 60 * 1000;

export interface PageRequest {
  n?: number;
  last?: string;
}

export interface PushedManifest {
  digest: Digest;
  subject?: Digest;
}

export interface StoredManifest {
  record: ManifestRecord;
  bytes: Buffer;
}

export interface Referrers {
  index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] };
  filtered: boolean;
}

export interface RegistryGcResult {
  removedBlobs: Digest[];
  reclaimedBytes: number;
  prunedLinks: number;
}

/**
 * An OCI distribution registry over one content root: bytes in the content store, what each
 * repository holds in the `registry` tables of its metadata database, upload sessions under
 * `<root>/uploads`. Every repository manifest is also a content image entry
 * (`registry/<repo>@<digest>`), so the content GC keeps whatever manifests reach; a pushed
 * blob is held by a lease for `blobGraceMs`, for its manifest to arrive.
 */
export class Registry {
  private constructor(
    readonly content: ContentStore,
    readonly index: RepositoryIndex,
    readonly uploads: UploadStore,
  ) {}

  static async open(root: string): Promise<Registry> {
    const content = await openContent(root);
    try {
      const index = new RepositoryIndex(content.metadata);
      const uploads = await UploadStore.open(join(root, 'uploads'), index);
      return new Registry(content, index, uploads);
    } catch (err) {
      await content.close();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.content.close();
  }

  // --- blobs ---

  /** A blob linked in `name` (manifests count: they are blobs too). */
  async statBlob(name: string, digestText: string): Promise<BlobInfo> {
    checkRepositoryName(name);
    const digest = checkDigest(digestText);
    if (!this.index.hasBlob(name, digest) && !this.index.manifest(name, digest)) throw unknownBlob(digest);
    try {
      return await this.content.blobs.info(digest);
    } catch (err) {
      if (isNotFound(err)) throw unknownBlob(digest);
      throw err;
    }
  }

  async readBlob(name: string, digestText: string, range?: ByteRange): Promise<Readable> {
    const info = await this.statBlob(name, digestText);
    try {
      return await this.content.blobs.createReadStream(info.digest, range ?? {});
    } catch (err) {
      if (isNotFound(err)) throw unknownBlob(info.digest);
      throw err;
    }
  }

  /** Unlinks the blob from the repository; the bytes go at the next GC if nothing else needs them. */
  async deleteBlob(name: string, digestText: string): Promise<void> {
    checkRepositoryName(name);
    const digest = checkDigest(digestText);
    if (!this.index.unlinkBlob(name, digest)) throw unknownBlob(digest);
  }

  // --- uploads ---

  async startUpload(name: string): Promise<UploadState> {
    return this.uploads.start(checkRepositoryName(name));
  }

  /** Links a blob of `from` into `name`; false when `from` does not hold it (start an upload instead). */
  async mountBlob(name: string, digestText: string, from: string): Promise<boolean> {
    checkRepositoryName(name);
    const digest = checkDigest(digestText);
    if (!isValidRepositoryName(from) || !this.index.hasBlob(from, digest)) return false;
    if (!(await this.content.blobs.has(digest))) return false;
    this.index.linkBlob(name, digest);
    return true;
  }

  /** A monolithic push: the body is the whole blob. */
  async pushBlob(name: string, digestText: string, body: Readable, size?: number): Promise<Digest> {
    checkRepositoryName(name);
    const digest = checkDigest(digestText);
    await this.commitBlob(name, digest, body, size);
    return digest;
  }

  uploadStatus(name: string, id: string): Promise<UploadState> {
    return this.uploads.status(checkRepositoryName(name), id);
  }

  appendUpload(name: string, id: string, body: Readable, contentRange?: string): Promise<UploadState> {
    return this.uploads.append(checkRepositoryName(name), id, body, contentRange);
  }

  /**
   * Ends an upload: appends the final chunk (if any), streams the whole upload through a
   * verified write and links the blob. A wrong digest stores nothing and ends the session.
   */
  async completeUpload(name: string, id: string, digestText: string, body?: Readable, contentRange?: string): Promise<Digest> {
    checkRepositoryName(name);
    let digest: Digest;
    try {
      digest = checkDigest(digestText);
    } catch (err) {
      body?.resume();
      throw err;
    }
    if (body) await this.uploads.append(name, id, body, contentRange);
    await this.uploads.withContent(name, id, async (_state, open) => {
      try {
        await this.commitBlob(name, digest, open());
      } catch (err) {
        if (errorKind(err) === 'invalid-argument') await this.uploads.remove(id);
        throw err;
      }
    });
    await this.uploads.remove(id);
    return digest;
  }

  cancelUpload(name: string, id: string): Promise<void> {
    return this.uploads.cancel(checkRepositoryName(name), id);
  }

  // --- manifests ---

  async putManifest(name: string, reference: string, bytes: Buffer, contentType?: string): Promise<PushedManifest> {
    checkRepositoryName(name);
    const ref = parseManifestReference(reference);
    if (bytes.length > maxManifestBytes) {
      throw registryError('SIZE_INVALID', `manifest is ${bytes.length} bytes, more than ${maxManifestBytes}`, { status: 413 });
    }
    const digest = digestOf(bytes, ref.kind === 'digest' ? parseDigest(ref.digest).algorithm : 'sha256');
    if (ref.kind === 'digest' && ref.digest !== digest) {
      throw registryError('DIGEST_INVALID', `manifest digest is ${digest}, not ${ref.digest}`, { detail: { digest: ref.digest } });
    }
    let parsed: ManifestOrIndex;
    try {
      parsed = parseManifestOrIndex(bytes, contentType);
    } catch (err) {
      throw registryError('MANIFEST_INVALID', (err as Error).message, { cause: err });
    }
    await this.checkReferences(name, parsed);
    const record = manifestRecord(digest, bytes.length, parsed);
    await this.content.leases.withLease(async (lease) => {
      await this.content.write(bytes, { digest, size: bytes.length }, { lease: lease.id });
      await this.content.images.upsert(imageName(name, digest), { mediaType: record.mediaType, digest, size: record.size });
    });
    this.index.putManifest(name, record, ref.kind === 'tag' ? ref.tag : undefined);
    return record.subject === undefined ? { digest } : { digest, subject: record.subject };
  }

  async getManifest(name: string, reference: string): Promise<StoredManifest> {
    checkRepositoryName(name);
    const ref = parseManifestReference(reference);
    const digest = ref.kind === 'digest' ? ref.digest : this.index.resolveTag(name, ref.tag);
    const record = digest && this.index.manifest(name, digest);
    if (!record) throw unknownManifest(reference);
    try {
      return { record, bytes: await this.content.blobs.readBytes(record.digest, { maxBytes: maxManifestBytes }) };
    } catch (err) {
      if (isNotFound(err)) throw unknownManifest(reference);
      throw err;
    }
  }

  /** By digest: the manifest and its tags. By tag: only the tag. */
  async deleteManifest(name: string, reference: string): Promise<void> {
    checkRepositoryName(name);
    const ref = parseManifestReference(reference);
    if (ref.kind === 'tag') {
      if (!this.index.deleteTag(name, ref.tag)) throw unknownManifest(reference);
      return;
    }
    if (!this.index.deleteManifest(name, ref.digest)) throw unknownManifest(reference);
    await this.content.images.delete(imageName(name, ref.digest)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  // --- listings ---

  tags(name: string, page: PageRequest): Page {
    checkRepositoryName(name);
    if (!this.index.exists(name)) throw registryError('NAME_UNKNOWN', `repository ${name} not known`, { detail: { name } });
    return this.index.tags(name, page);
  }

  catalog(page: PageRequest): Page {
    return this.index.repositories(page);
  }

  referrers(name: string, digestText: string, artifactType?: string): Referrers {
    checkRepositoryName(name);
    const digest = checkDigest(digestText);
    const all = this.index.referrers(name, digest);
    const chosen = artifactType === undefined ? all : all.filter((m) => m.artifactType === artifactType);
    const manifests = chosen.map((m): Descriptor => {
      const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.size };
      if (m.artifactType !== undefined) descriptor.artifactType = m.artifactType;
      if (m.annotations !== undefined) descriptor.annotations = m.annotations;
      return descriptor;
    });
    return { index: { schemaVersion: 2, mediaType: ociIndex, manifests }, filtered: artifactType !== undefined };
  }

  // --- garbage collection ---

  /**
   * Removes blobs that no repository manifest reaches (and whose push lease has expired),
   * then forgets repository links to them. Run it while no server writes to this root.
   */
  async gc(): Promise<RegistryGcResult> {
    // Repair roots a crash may have lost between an image entry and its row.
    for (const { repo, manifest } of this.index.allManifests()) {
      await this.content.images.upsert(imageName(repo, manifest.digest), {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
      });
    }
    const result = await this.content.gc();
    const removed = new Set<Digest>(result.removedBlobs);
    const prunedLinks = this.index.pruneBlobLinks((digest) => !removed.has(digest));
    return { removedBlobs: result.removedBlobs, reclaimedBytes: result.reclaimedBytes, prunedLinks };
  }

  private async commitBlob(name: string, digest: Digest, body: Readable, size?: number): Promise<void> {
    const lease = this.content.leases.create({ ttlMs: blobGraceMs, labels: { 'berth.registry/repository': name } });
    try {
      await this.content.write(body, size === undefined ? { digest } : { digest, size }, { lease: lease.id });
    } catch (err) {
      this.content.leases.delete(lease.id);
      if (errorKind(err) !== 'invalid-argument') throw err;
      const message = (err as Error).message;
      if (message.includes('size')) throw registryError('SIZE_INVALID', message, { cause: err });
      throw registryError('DIGEST_INVALID', message, { detail: { digest }, cause: err });
    }
    this.index.linkBlob(name, digest);
  }

  private async checkReferences(name: string, parsed: ManifestOrIndex): Promise<void> {
    const missing = async (d: Descriptor, kind: 'blob' | 'manifest'): Promise<boolean> => {
      if (kind === 'manifest') return this.index.manifest(name, d.digest) === undefined;
      if (d.urls !== undefined && isNondistributableType(d.mediaType)) return false;
      return !this.index.hasBlob(name, d.digest) || !(await this.content.blobs.has(d.digest));
    };
    const wanted: Array<[Descriptor, 'blob' | 'manifest']> =
      parsed.kind === 'index'
        ? parsed.index.manifests.map((d) => [d, 'manifest'])
        : [parsed.manifest.config, ...parsed.manifest.layers].map((d) => [d, 'blob']);
    for (const [descriptor, kind] of wanted) {
      if (await missing(descriptor, kind)) {
        throw registryError('MANIFEST_BLOB_UNKNOWN', `${kind} ${descriptor.digest} is not in repository ${name}`, {
          detail: { digest: descriptor.digest },
        });
      }
    }
  }
}

export const openRegistry = (root: string): Promise<Registry> => Registry.open(root);

function manifestRecord(digest: Digest, size: number, parsed: ManifestOrIndex): ManifestRecord {
  const doc = parsed.kind === 'index' ? parsed.index : parsed.manifest;
  const record: ManifestRecord = { digest, mediaType: parsed.mediaType, size };
  if (doc.subject !== undefined) record.subject = doc.subject.digest;
  const artifactType = parsed.kind === 'manifest' ? (parsed.manifest.artifactType ?? parsed.manifest.config.mediaType) : parsed.index.artifactType;
  if (artifactType !== undefined) record.artifactType = artifactType;
  if (doc.annotations !== undefined) record.annotations = doc.annotations;
  return record;
}

const imageName = (repo: string, digest: Digest): string => `registry/${repo}@${digest}`;

const unknownBlob = (digest: Digest): Error =>
  registryError('BLOB_UNKNOWN', `blob ${digest} not known to this repository`, { detail: { digest } });
const unknownManifest = (reference: string): Error =>
  registryError('MANIFEST_UNKNOWN', `manifest ${reference} not known to this repository`, { detail: { reference } });
