import type { Readable } from 'node:stream';
import type { ContentStore, Image } from '../../content/index.js';
import type { Snapshotter } from '../../layers/index.js';
import { conflict, errorKind, failedPrecondition, invalidArgument, isNotFound, notFound } from '../../lib/index.js';
import { formatReference, normalizeReference, parseReference, type Descriptor, type Digest } from '../../oci/index.js';
import { saveArchive } from './archive-save.js';
import { loadArchive } from './archive-load.js';
import { importRootfs } from './import.js';
import { createImage } from './create.js';
import { danglingName, intermediateName, isDanglingName, isIntermediateName, parseImageQuery } from './names.js';
import { resolveTarget, type ResolvedImage } from './resolve.js';
import { imageChainIds, unpackImage } from './unpack.js';
import type {
  ArchiveFormat,
  Distribution,
  ImageRecord,
  ImageService,
  ImportOptions,
  LoadResult,
  NewImageRequest,
  ProgressListener,
  PruneResult,
  PullOptions,
  PushOptions,
  RegistryAuth,
  RemovedImage,
  TransferListener,
} from './types.js';

/** An image with the name entries that make it up. */
interface StoredImage extends ImageRecord {
  target: Descriptor;
  entries: Image[];
}

/**
 * Images over the content store: names → targets in metadata, everything else read from
 * the (immutable) blobs, so the only state to keep consistent is the name table.
 */
export class LocalImageService implements ImageService {
  private readonly resolved = new Map<Digest, Promise<ResolvedImage>>();
  private containersUsing: (imageId: Digest) => Promise<Array<{ id: string; running: boolean }>> = async () => [];

  constructor(
    private readonly content: ContentStore,
    private readonly snapshots: Snapshotter,
    private readonly distribution?: Distribution,
  ) {}

  async list(options: { dangling?: boolean; all?: boolean } = {}): Promise<ImageRecord[]> {
    const records = await this.records(this.content.images.list());
    const visible = options.all === true ? records : records.filter((r) => !isIntermediate(r));
    if (options.dangling === undefined) return visible;
    return visible.filter((r) => (r.names.length === 0) === options.dangling);
  }

  async get(reference: string): Promise<ImageRecord> {
    return (await this.find(reference)).record;
  }

  async tag(source: string, target: string): Promise<void> {
    const ref = parseReference(target);
    if (ref.digest) throw invalidArgument(`refusing to create a tag with a digest reference: ${target}`);
    const { entry } = await this.find(source);
    await this.setName(normalizeReference(target), entry.target);
  }

  async remove(reference: string, options: { force?: boolean } = {}): Promise<RemovedImage[]> {
    const { record, byName } = await this.find(reference);
    const removed: RemovedImage[] = [];
    if (byName && record.names.length > 1) {
      await this.content.images.delete(byName);
      return [{ untagged: byName }];
    }
    this.refuseIfMounted(record);
    const users = await this.containersUsing(record.id);
    const runningUser = users.find((u) => u.running);
    if (runningUser) {
      throw conflict(
        `conflict: unable to delete ${shortId(record.id)} (cannot be forced) - image is being used by running container ${runningUser.id.slice(0, 12)}`,
      );
    }
    const [user] = users;
    if (user && !options.force) {
      throw conflict(
        byName
          ? `conflict: unable to remove repository reference "${reference}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${shortId(record.id)}`
          : `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is being used by stopped container ${user.id.slice(0, 12)}`,
      );
    }
    if (user) {
      // Forced: the names go, the image stays (dangling) for the containers made from it.
      for (const name of record.names) {
        await this.content.images.delete(name);
        removed.push({ untagged: name });
      }
      await this.setName(danglingName(record.target.digest), record.target);
      return removed;
    }
    if (!byName && record.names.length > 1 && !options.force) {
      throw conflict(
        `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    for (const name of record.names) removed.push({ untagged: name });
    await this.deleteImage(record);
    removed.push({ deleted: record.id });
    await this.reclaim();
    return removed;
  }

  async prune(options: { all?: boolean; buildCache?: boolean } = {}): Promise<PruneResult> {
    const removed: RemovedImage[] = [];
    for (const record of await this.records(this.content.images.list())) {
      if (options.buildCache === true ? !isIntermediate(record) : (record.names.length > 0 || isIntermediate(record)) && !options.all) continue;
      if (this.isMounted(record) || (await this.containersUsing(record.id)).length > 0) continue;
      for (const name of record.names) removed.push({ untagged: name });
      await this.deleteImage(record);
      removed.push({ deleted: record.id });
    }
    return { removed, reclaimedBytes: await this.reclaim() };
  }

  async importRootfs(tar: Readable, options: ImportOptions = {}): Promise<ImageRecord> {
    const name = options.reference ? normalizeReference(options.reference) : undefined;
    const target = await this.content.leases.withLease(async (lease) => {
      const descriptor = await importRootfs(this.content, lease, tar, options);
      await this.setName(name ?? danglingName(descriptor.digest), descriptor);
      return descriptor;
    });
    return this.recordFor(target.digest);
  }

  async create(request: NewImageRequest): Promise<ImageRecord> {
    const name = request.reference ? normalizeReference(request.reference) : undefined;
    const parent = request.parent === undefined ? undefined : await this.resolve((await this.find(request.parent)).record.target);
    const target = await this.content.leases.withLease(async (lease) => {
      const descriptor = await createImage(this.content, lease, parent, request);
      const reserved = request.intermediate === true ? intermediateName(descriptor.digest) : danglingName(descriptor.digest);
      await this.setName(name ?? reserved, descriptor);
      return descriptor;
    });
    return this.recordFor(target.digest);
  }

  async save(references: string[], format: ArchiveFormat): Promise<Readable> {
    const images = [];
    for (const reference of references) {
      const { record, byName } = await this.find(reference);
      images.push({ resolved: await this.resolve(record.target), names: byName ? [byName] : [] });
    }
    // Holds blobs the archive writes for itself until it has been read (or for an hour).
    const lease = this.content.leases.create({ ttlMs: 60 * 60 * 1000 });
    try {
      const archive = await saveArchive(this.content, images, format, lease.id);
      archive.once('close', () => this.content.leases.delete(lease.id));
      return archive;
    } catch (err) {
      this.content.leases.delete(lease.id);
      throw err;
    }
  }

  async load(archive: Readable, progress?: ProgressListener): Promise<LoadResult> {
    return this.content.leases.withLease(async (lease) => {
      const loaded = await loadArchive(this.content, lease, archive, progress);
      const result: LoadResult = { names: [], ids: [] };
      for (const image of loaded) {
        // Reading the image through proves the archive held every blob it names.
        const resolved = await this.resolve(image.target);
        for (const layer of resolved.manifest.layers) {
          if (!(await this.content.blobs.has(layer.digest))) {
            throw invalidArgument(`archive is missing layer ${layer.digest}`);
          }
        }
        if (image.names.length === 0) {
          await this.setName(danglingName(image.target.digest), image.target);
          result.ids.push(resolved.manifest.config.digest);
        }
        for (const name of image.names) {
          await this.setName(name, image.target);
          result.names.push(name);
        }
      }
      return result;
    });
  }

  async mount(reference: string): Promise<string> {
    const { record } = await this.find(reference);
    const key = mountKey(record.id);
    if (!this.isMounted(record)) {
      const top = await unpackImage(this.content, this.snapshots, await this.resolve(record.target));
      await this.snapshots.createActive(key, top);
    }
    return this.snapshots.mount(key);
  }

  async unmount(reference: string): Promise<void> {
    const { record } = await this.find(reference);
    if (!this.isMounted(record)) throw failedPrecondition(`image ${shortId(record.id)} is not mounted`);
    await this.snapshots.unmount(mountKey(record.id));
    await this.snapshots.removeActive(mountKey(record.id));
  }

  async pull(reference: string, options: PullOptions = {}, progress: TransferListener = () => undefined): Promise<ImageRecord> {
    const distribution = this.requireDistribution();
    const name = normalizeReference(reference);
    const pulled = await this.content.leases.withLease(async (lease) => {
      const image = await distribution.pull(name, { content: this.content, lease: lease.id }, options, progress);
      // Reading it through proves the graph for this host is whole before it gets a name.
      await this.resolve(image.target);
      await this.setName(image.reference, image.target);
      const named = parseReference(image.reference);
      const repo = formatReference({ domain: named.domain, path: named.path, digest: image.repoDigest });
      if (repo !== image.reference) await this.setName(repo, image.target);
      return image;
    });
    return this.recordFor(pulled.target.digest);
  }

  async push(reference: string, options: PushOptions = {}, progress: TransferListener = () => undefined): Promise<void> {
    const distribution = this.requireDistribution();
    const { record, byName } = await this.find(reference);
    if (!byName || byName.includes('@')) throw invalidArgument(`push needs a tagged name, not ${reference}`);
    const resolved = await this.resolve(record.target);
    const manifest = { mediaType: resolved.manifestMediaType, digest: resolved.manifestDigest, size: (await this.content.blobs.info(resolved.manifestDigest)).size };
    await distribution.push(byName, this.content, manifest, options, progress);
  }

  async login(auth: RegistryAuth): Promise<void> {
    await this.requireDistribution().login(registryServer(auth.serveraddress), auth);
  }

  private requireDistribution(): Distribution {
    if (!this.distribution) throw failedPrecondition('this engine has no registry client');
    return this.distribution;
  }

  /** Tells image removal which containers use an image (the container service's view). */
  setContainerUsage(check: (imageId: Digest) => Promise<Array<{ id: string; running: boolean }>>): void {
    this.containersUsing = check;
  }

  /**
   * For the container service: resolves a reference to its image and makes sure every
   * layer is unpacked; returns the image and the chain ID of its top layer (undefined for
   * an image without layers), the parent of a container's writable snapshot.
   */
  async prepareRootfs(reference: string): Promise<{ record: ImageRecord; chainId: Digest | undefined }> {
    const { record } = await this.find(reference);
    const chainId = await unpackImage(this.content, this.snapshots, await this.resolve(record.target));
    return { record, chainId };
  }

  private isMounted(record: ImageRecord): boolean {
    return this.snapshots.listActive().some((a) => a.key === mountKey(record.id));
  }

  private refuseIfMounted(record: ImageRecord): void {
    if (this.isMounted(record)) {
      throw conflict(`conflict: unable to delete ${shortId(record.id)} - the image is mounted (berth image unmount)`);
    }
  }

  /**
   * Removes what no image references any more: blobs (content GC), then snapshots whose
   * chain no image needs, children before parents. Returns the bytes of blobs reclaimed.
   */
  private async reclaim(): Promise<number> {
    const { reclaimedBytes } = await this.content.gc();
    const needed = new Set<string>();
    for (const record of await this.records(this.content.images.list())) {
      for (const chainId of imageChainIds(await this.resolve(record.target))) needed.add(chainId);
    }
    const unused = this.snapshots.list().filter((s) => !needed.has(s.chainId));
    const depth = (chainId: string): number => {
      let d = 0;
      for (let s = unused.find((u) => u.chainId === chainId); s?.parent; s = unused.find((u) => u.chainId === s?.parent)) d++;
      return d;
    };
    for (const snapshot of unused.sort((a, b) => depth(b.chainId) - depth(a.chainId))) {
      try {
        await this.snapshots.remove(snapshot.chainId);
      } catch (err) {
        if (errorKind(err) !== 'failed-precondition') throw err; // still in use by a mount
      }
    }
    return reclaimedBytes;
  }

  /** Reads a target once; blobs are immutable, so the answer never changes. */
  private resolve(target: Descriptor): Promise<ResolvedImage> {
    let cached = this.resolved.get(target.digest);
    if (!cached) {
      cached = resolveTarget(this.content, target);
      cached.catch(() => this.resolved.delete(target.digest));
      this.resolved.set(target.digest, cached);
    }
    return cached;
  }

  /** Groups name entries by image ID (config digest), the unit Docker lists. */
  private async records(entries: Image[]): Promise<StoredImage[]> {
    const byId = new Map<Digest, StoredImage>();
    for (const entry of entries) {
      let resolved: ResolvedImage;
      try {
        resolved = await this.resolve(entry.target);
      } catch (err) {
        if (isNotFound(err)) continue; // its blobs are gone (an interrupted load): not an image
        throw err;
      }
      const id = resolved.manifest.config.digest;
      let record = byId.get(id);
      if (!record) {
        record = {
          id,
          names: [],
          digests: [],
          manifestDigest: resolved.manifestDigest,
          manifestMediaType: resolved.manifestMediaType,
          config: resolved.config,
          size: resolved.manifest.layers.reduce((sum, l) => sum + l.size, 0),
          layerSizes: resolved.manifest.layers.map((l) => l.size),
          recordedAt: entry.updatedAt,
          target: entry.target,
          entries: [],
        };
        byId.set(id, record);
      }
      record.entries.push(entry);
      if (isDanglingName(entry.name)) {
        // not a name a user sees
      } else if (entry.name.includes('@')) {
        record.digests.push(entry.name);
      } else {
        record.names.push(entry.name);
      }
      if (entry.updatedAt > record.recordedAt) record.recordedAt = entry.updatedAt;
    }
    return [...byId.values()]
      .map((r) => ({ ...r, names: r.names.sort(), digests: r.digests.sort() }))
      .sort((a, b) => b.recordedAt.getTime() - a.recordedAt.getTime());
  }

  private async recordFor(targetDigest: Digest): Promise<ImageRecord> {
    const all = await this.records(this.content.images.list());
    const record = all.find((r) => r.entries.some((e) => e.target.digest === targetDigest));
    if (!record) throw notFound(`No such image: ${targetDigest}`);
    return record;
  }

  private async find(reference: string): Promise<{
    record: StoredImage;
    entry: Image;
    byName?: string;
  }> {
    const query = parseImageQuery(reference);
    const all = await this.records(this.content.images.list());
    if (query.name !== undefined) {
      for (const record of all) {
        const entry = record.entries.find((e) => e.name === query.name);
        if (entry) return { record, entry, byName: entry.name };
      }
    }
    if (query.idPrefix !== undefined) {
      const prefix = `sha256:${query.idPrefix}`;
      const matches = all.filter((r) => r.id.startsWith(prefix));
      if (matches.length > 1) throw invalidArgument(`image ID prefix ${query.idPrefix} is ambiguous`);
      const [record] = matches;
      const [entry] = record?.entries ?? [];
      if (record && entry) return { record, entry };
    }
    throw notFound(`No such image: ${reference}`);
  }

  /** Points a name at a target; an image left without names is kept as dangling, as Docker does. */
  private async setName(name: string, target: Descriptor): Promise<void> {
    const { images } = this.content;
    let previous: Image | undefined;
    try {
      previous = images.get(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const descriptor = { mediaType: target.mediaType, digest: target.digest, size: target.size };
    await images.upsert(name, descriptor);
    if (!isDanglingName(name)) {
      const dangling = danglingName(target.digest);
      if (images.namesFor(target.digest).includes(dangling)) await images.delete(dangling);
    }
    // An image that loses its last name is dangling, also when it was a build's result (as
    // Docker's `<none>` after a rebuild moves the tag), not a hidden build step.
    if (previous && previous.target.digest !== target.digest && images.namesFor(previous.target.digest).every(isIntermediateName)) {
      await images.upsert(danglingName(previous.target.digest), previous.target);
    }
  }

  private async deleteImage(record: StoredImage): Promise<void> {
    for (const entry of record.entries) await this.content.images.delete(entry.name);
  }
}

/** Only build-step names: an intermediate image nobody tagged. */
const isIntermediate = (record: StoredImage): boolean => record.names.length === 0 && record.entries.length > 0 && record.entries.every((e) => isIntermediateName(e.name));

const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
const mountKey = (id: Digest): string => `image-${id.replace(/^sha256:/, '')}`;

/**
 * The registry a login names, as Docker reads `serveraddress`: scheme and path dropped, and
 * Docker Hub's spellings (`https://index.docker.io/v1/`, none at all) as `docker.io`.
 */
export function registryServer(address: string | undefined): string {
  const host = (address ?? '').trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
