import type { Readable } from 'node:stream';
import type { Digest, ImageConfig } from '../../oci/index.js';

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

export interface LoadResult {
  /** Names of loaded images; images without a name are reported by ID. */
  names: string[];
  ids: Digest[];
}

export type ProgressListener = (message: string) => void;

export interface ImageService {
  list(options?: { dangling?: boolean }): Promise<ImageRecord[]>;
  /** Resolves a name, an ID, an ID prefix or `name@digest`. */
  get(reference: string): Promise<ImageRecord>;
  tag(source: string, target: string): Promise<void>;
  remove(reference: string, options?: { force?: boolean }): Promise<RemovedImage[]>;
  prune(options?: { all?: boolean }): Promise<PruneResult>;
  importRootfs(tar: Readable, options?: ImportOptions): Promise<ImageRecord>;
  /** Resolves every reference first (so a missing one fails before any byte), then streams. */
  save(references: string[], format: ArchiveFormat): Promise<Readable>;
  load(archive: Readable, progress?: ProgressListener): Promise<LoadResult>;
  /** Unpacks the image and mounts its root filesystem (as `podman image mount`); returns the path. */
  mount(reference: string): Promise<string>;
  unmount(reference: string): Promise<void>;
}
