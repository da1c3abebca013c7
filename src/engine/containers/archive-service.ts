import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Snapshotter } from '../../layers/index.js';
import { invalidArgument, isNotFound, notFound } from '../../lib/index.js';
import { getArchive, putArchive, statPath, type PutArchiveOptions } from './archive.js';
import type { KeyedLock } from './keyed-lock.js';
import type { StoredContainer } from './store.js';
import type { ContainerStatus, PathStat } from './types.js';

export interface ArchiveContext {
  /** The container as stored now (not-found once removed). */
  container(id: string): StoredContainer;
  lock: KeyedLock;
  snapshots: Pick<Snapshotter, 'getActive' | 'mount' | 'unmount'>;
}

/** States in which the service keeps the root filesystem mounted. */
const MOUNTED: ReadonlySet<ContainerStatus> = new Set(['running', 'paused']);

/**
 * `docker cp` against a container's root filesystem: the mounted one while the container
 * runs, otherwise its snapshot mounted for the operation and unmounted after it (for
 * getArchive once the tar stream has ended or was destroyed). As Docker does, the
 * container's lock is held until then, so it cannot start, exit or be removed meanwhile;
 * a caller must read or destroy the tar it gets.
 */
export class ContainerArchives {
  constructor(private readonly ctx: ArchiveContext) {}

  statPath(c: StoredContainer, containerPath: string, shownAs: string): Promise<PathStat> {
    return this.withRootfs(c.id, (rootfs) => fileNotFound(statPath(rootfs, containerPath), containerPath, shownAs));
  }

  getArchive(c: StoredContainer, containerPath: string, shownAs: string): Promise<{ stat: PathStat; tar: Readable }> {
    return this.withRootfs(
      c.id,
      (rootfs) => fileNotFound(getArchive(rootfs, containerPath), containerPath, shownAs),
      ({ tar }) => finished(tar).catch(() => undefined),
    );
  }

  /** Refused for a `--read-only` container, with Docker's message (there are no volumes to write to yet). */
  putArchive(c: StoredContainer, containerPath: string, tar: Readable, shownAs: string, options: PutArchiveOptions = {}): Promise<void> {
    if (c.request.readonlyRootfs === true) return Promise.reject(invalidArgument('container rootfs is marked read-only'));
    return this.withRootfs(c.id, (rootfs) => fileNotFound(putArchive(rootfs, containerPath, tar, options), containerPath, shownAs));
  }

  /** Runs `use` on the container's root filesystem, mounted for the call if it does not run. */
  withMountedRootfs<T>(c: StoredContainer, use: (rootfs: string) => Promise<T>): Promise<T> {
    return this.withRootfs(c.id, use);
  }

  /**
   * Under the container's lock: runs `use` on the root filesystem (mounting it if the
   * container does not run), resolves with its value, then waits for `hold` before the
   * lock is released and a temporary mount undone.
   */
  private withRootfs<T>(id: string, use: (rootfs: string) => Promise<T>, hold?: (value: T) => Promise<unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.ctx.lock.run(id, async () => {
        let temporary = false;
        try {
          const c = this.ctx.container(id);
          temporary = !MOUNTED.has(c.state.status);
          const rootfs = temporary ? await this.ctx.snapshots.mount(id) : this.ctx.snapshots.getActive(id).merged;
          const value = await use(rootfs);
          resolve(value);
          if (hold !== undefined) await hold(value);
        } catch (err) {
          reject(err);
        } finally {
          if (temporary) await this.ctx.snapshots.unmount(id).catch(() => undefined);
        }
      });
    });
  }
}

/** Docker's message for a path that is not there: `Could not find the file /x in container c`. */
async function fileNotFound<T>(operation: Promise<T>, containerPath: string, shownAs: string): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    if (isNotFound(err)) throw notFound(`Could not find the file ${containerPath} in container ${shownAs}`, err);
    throw err;
  }
}
