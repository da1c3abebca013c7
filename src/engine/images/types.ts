import type { Readable } from 'node:stream';
import type { ContentStore } from '../../content/index.js';
import type { ContainerConfig as ImageExecConfig, Descriptor, Digest, ImageConfig } from '../../oci/index.js';

/** One image as the engine knows it: identified by its config digest, as Docker does. */
export interface ImageRecord {
  id: Digest;
  /** Normalised references naming it, e.g. `docker.io/library/busybox:latest`. */
  names: string[];
  /** `name@digest` references for the manifest it was pulled or loaded as. */
  digests: string[];
  manifestDigest: Digest;
  manifestMediaType: string;
  config: ImageConfig;
  /** Sum of the layers' sizes as stored. */
  size: number;
  /** Each layer's size as stored, bottom first (what `history` shows per step). */
  layerSizes: number[];
  /** When berth recorded it (Docker's LastTagTime). */
  recordedAt: Date;
}

export type RemovedImage = { untagged: string } | { deleted: Digest };

export interface PruneResult {
  removed: RemovedImage[];
  reclaimedBytes: number;
}

export type ArchiveFormat = 'docker' | 'oci';

export interface ImportOptions {
  reference?: string;
  message?: string;
  /** Dockerfile-like instructions (`CMD ["sh"]`, `ENV A=b`) applied to the new config. */
  changes?: string[];
}

/** A new image made of a parent image (or nothing) and one more step (commit, a build step). */
export interface NewImageRequest {
  /** Image reference or ID to build on; absent: an image from scratch. */
  parent?: string;
  /** The step's changes as an uncompressed tar; absent: a config-only (`empty_layer`) step. */
  layer?: Readable;
  /** The new image's execution config, whole (not merged with the parent's). */
  config: ImageExecConfig;
  /** The history entry's `created_by`; without it no history entry is added (a blank base). */
  createdBy?: string;
  comment?: string;
  author?: string;
  /** RFC 3339; now by default. */
  created?: string;
  /** For an image from scratch; the parent's platform otherwise. */
  platform?: { os: string; architecture: string; variant?: string };
  /** Name it gets; without one it is kept nameless (dangling, or hidden when `intermediate`). */
  reference?: string;
  /** A build step's image: kept while the build cache needs it, hidden from list(). */
  intermediate?: boolean;
}

export interface LoadResult {
  /** Names of loaded images; images without a name are reported by ID. */
  names: string[];
  ids: Digest[];
}

export type ProgressListener = (message: string) => void;

export interface ImageService {
  /** Images by name or dangling; `all` adds the build steps' intermediate images (`images -a`). */
  list(options?: { dangling?: boolean; all?: boolean }): Promise<ImageRecord[]>;
  /** Resolves a name, an ID, an ID prefix or `name@digest`. */
  get(reference: string): Promise<ImageRecord>;
  tag(source: string, target: string): Promise<void>;
  remove(reference: string, options?: { force?: boolean }): Promise<RemovedImage[]>;
  /**
   * Removes dangling images (every unused one with `all`); with `buildCache`, only the
   * build steps' intermediate images that no container uses (`builder prune`).
   */
  prune(options?: { all?: boolean; buildCache?: boolean }): Promise<PruneResult>;
  importRootfs(tar: Readable, options?: ImportOptions): Promise<ImageRecord>;
  /** Adds a layer and/or a new config on top of an image (commit and build steps). */
  create(request: NewImageRequest): Promise<ImageRecord>;
  /** Resolves every reference first (so a missing one fails before any byte), then streams. */
  save(references: string[], format: ArchiveFormat): Promise<Readable>;
  load(archive: Readable, progress?: ProgressListener): Promise<LoadResult>;
  /** Unpacks the image and mounts its root filesystem (as `podman image mount`); returns the path. */
  mount(reference: string): Promise<string>;
  unmount(reference: string): Promise<void>;
  /** Fetches an image from its registry and names it; failed-precondition without a Distribution. */
  pull(reference: string, options?: PullOptions, progress?: TransferListener): Promise<ImageRecord>;
  /** Sends an image to the registry its name points at. */
  push(reference: string, options?: PushOptions, progress?: TransferListener): Promise<void>;
  /**
   * Checks credentials against a registry (`auth.serveraddress`, Docker Hub when absent), as
   * `docker login` through the daemon: failed-precondition when the registry refuses them.
   */
  login(auth: RegistryAuth): Promise<void>;
}

/** Where a transfer stands for one blob (a layer, or the config) or for the whole image. */
export type TransferPhase = 'waiting' | 'exists' | 'downloading' | 'verifying' | 'complete' | 'pushing' | 'pushed' | 'mounted';

export type TransferEvent =
  | { kind: 'start'; repository: string; tag: string | undefined }
  | {
      kind: 'blob';
      digest: Digest;
      phase: TransferPhase;
      current: number;
      total: number;
      isConfig: boolean;
      /** For `mounted`: the repository of the same registry the blob came from. */
      from?: string;
    }
  | { kind: 'done'; digest: Digest; size: number; reference: string };

export type TransferListener = (event: TransferEvent) => void;

/** Registry credentials, as the Docker API passes them in `X-Registry-Auth`. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

export interface PullOptions {
  /** `os/arch[/variant]`; the host's platform by default. */
  platform?: string;
  auth?: RegistryAuth;
}

export interface PushOptions {
  auth?: RegistryAuth;
}

export interface PulledImage {
  /** What the name points at: the index when the registry served one, else the manifest. */
  target: Descriptor;
  /** The normalised `name:tag` (or `name@digest` when pulled by digest). */
  reference: string;
  /** The manifest digest the registry named the image by. */
  repoDigest: Digest;
}

/**
 * The registry side of pull and push, given to the engine by whoever wires it (the engine
 * never imports `registry/`): blobs go straight into the content store under the lease.
 */
export interface Distribution {
  pull(
    reference: string,
    store: { content: ContentStore; lease: string },
    options: PullOptions,
    progress: TransferListener,
  ): Promise<PulledImage>;
  /** Checks credentials against the registry at `server` (`host[:port]`); failed-precondition when refused. */
  login(server: string, auth: RegistryAuth): Promise<void>;
  /** Pushes `manifest` (already in the store) and everything it references. */
  push(
    reference: string,
    content: ContentStore,
    manifest: Descriptor,
    options: PushOptions,
    progress: TransferListener,
  ): Promise<void>;
}
