/** What the container service needs of the volume service (engine/volumes implements it). */
export interface VolumePort {
  /** Creates a volume, or returns the one of that name. */
  create(request: { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string> }): Promise<{ name: string; driver: string; mountpoint: string }>;
  /** Holds volumes for a container not yet stored; removal is refused until released. */
  reserve(names: readonly string[], holder: string): () => void;
  remove(name: string, options?: { force?: boolean }): Promise<void>;
  /** Makes the volume's data ready for `ref` (mounts a volume that has mount options). */
  mount(name: string, ref: string): Promise<string>;
  unmount(name: string, ref: string): Promise<void>;
}
