/**
 * The engine's volume model: named directories that outlive containers (Docker's local
 * driver). It knows nothing of Docker's JSON shapes: api/docker translates.
 */

/** Docker's label on volumes created without a name (`-v /path`, an image's VOLUME). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  name: string;
  driver: string;
  /** Where the volume's data lives on the host (`<root>/volumes/<name>/_data`). */
  mountpoint: string;
  /** Null when none were given at create (Docker shows `null`, not `{}`). */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  created: Date;
  /** Created without a name; `prune` removes only these unless asked for all. */
  anonymous: boolean;
  scope: 'local';
}

export interface VolumeCreateRequest {
  /** Absent or empty: a random 64-hex name, and the volume is anonymous. */
  name?: string;
  /** Only `local`. */
  driver?: string;
  labels?: Record<string, string>;
  /** The local driver's options: `type`, `device`, `o` (`mount -t type -o o device`), as Docker's. */
  options?: Record<string, string>;
}

/** Every field narrows the list; a record passes when it matches each given field. */
export interface VolumeFilters {
  /** true: only volumes no container uses; false: only used ones. */
  dangling?: boolean;
  /** `key` or `key=value`: every one must match. */
  labels?: string[];
  /** `key` or `key=value`: none may match. */
  notLabels?: string[];
  /** Substrings (Docker matches names as regular expressions; a plain name is a substring). */
  names?: string[];
  drivers?: string[];
}

export interface VolumePruneOptions {
  /** Named volumes too, not only anonymous ones (Docker 23+ prunes only anonymous by default). */
  all?: boolean;
  labels?: string[];
  notLabels?: string[];
}

export interface VolumePruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

export interface VolumeUsage {
  name: string;
  /** Bytes on disk under the mountpoint. */
  size: number;
  /** Containers that use it. */
  refCount: number;
}

export interface VolumeEvent {
  type: 'volume';
  action: 'create' | 'destroy' | 'prune';
  id: string;
  attributes: Record<string, string>;
  time: Date;
}

export interface VolumeService {
  /** Creates a volume, or returns the existing one of that name (as Docker does). */
  create(request?: VolumeCreateRequest): Promise<VolumeRecord>;
  get(name: string): Promise<VolumeRecord>;
  list(filters?: VolumeFilters): Promise<VolumeRecord[]>;
  /** Refused with a conflict while any container (running or not) uses it; `force` only forgives a missing volume. */
  remove(name: string, options?: { force?: boolean }): Promise<void>;
  prune(options?: VolumePruneOptions): Promise<VolumePruneResult>;
  /** Size on disk and reference count of every volume (`system df`). */
  usage(): Promise<VolumeUsage[]>;
  /** IDs of the containers that use a volume. */
  users(name: string): string[];
  /** Mounts a volume that has mount options for `ref` (first user mounts); returns its data path. */
  mount(name: string, ref: string): Promise<string>;
  /** Ends `ref`'s use; the last user unmounts. */
  unmount(name: string, ref: string): Promise<void>;
  onEvent(listener: (event: VolumeEvent) => void): () => void;
}
