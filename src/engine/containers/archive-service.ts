import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Snapshotter } from '../../layers/index.js';
import { invalidArgument, isNotFound, notFound } from '../../lib/index.js';
import path from 'node:path';
import { getArchive, putArchive, statPath, type PutArchiveOptions } from './archive.js';
import { parseContainerPath, resolveContainerPath } from './archive-path.js';
import type { KeyedLock } from './keyed-lock.js';
import type { StoredContainer } from './store.js';
import type { ContainerMount, ContainerStatus, PathStat } from './types.js';

export interface ArchiveContext {
  /** The container as stored now (not-found once removed). */
  container(id: string): StoredContainer;
  lock: KeyedLock;
  snapshots: Pick<Snapshotter, 'getActive' | 'mount' | 'unmount'>;
}

/** States in which the service keeps the root filesystem mounted. */
const MOUNTED: ReadonlySet<ContainerStatus> = new Set(['running', 'paused']);

/**
 * `docker cp` against a container's root filesystem: while the container runs, as its
 * process sees it (`/proc/PID/root`: its volumes, binds and tmpfs mounts included, as in
 * Docker), otherwise its snapshot mounted for the operation and unmounted after it (for
 * getArchive once the tar stream has ended or was destroyed). As Docker does, the
 * container's lock is held until then, so it cannot start, exit or be removed meanwhile;
 * a caller must read or destroy the tar it gets.
 */
export class ContainerArchives {
  constructor(private readonly ctx: ArchiveContext) {}

  statPath(c: StoredContainer, containerPath: string, shownAs: string): Promise<PathStat> {
    return this.withRootfs(c.id, (rootfs, current, running) => {
      const at = running ? undefined : inMountOfStopped(current, containerPath);
      return fileNotFound(at ? statPath(at.root, at.path, at.name) : statPath(rootfs, containerPath), containerPath, shownAs);
    });
  }

  getArchive(c: StoredContainer, containerPath: string, shownAs: string): Promise<{ stat: PathStat; tar: Readable }> {
    return this.withRootfs(
      c.id,
      (rootfs, current, running) => {
        const at = running ? undefined : inMountOfStopped(current, containerPath);
        return fileNotFound(at ? getArchive(at.root, at.path, at.name) : getArchive(rootfs, containerPath), containerPath, shownAs);
      },
      ({ tar }) => finished(tar).catch(() => undefined),
    );
  }

  /**
   * Extracts into the container, where the target really lives: a volume's or bind's
   * source, or the root filesystem. While the container runs, the target directory is
   * resolved as the container sees it; when stopped, a path under a volume or bind goes to
   * its source. Refused, with Docker's messages, for a read-only mount or root.
   */
  putArchive(c: StoredContainer, containerPath: string, tar: Readable, shownAs: string, options: PutArchiveOptions = {}): Promise<void> {
    return this.withRootfs(c.id, async (rootfs, current, running) => {
      let target: Target = { kind: 'rootfs', root: rootfs, path: containerPath };
      if (running && rootfs.startsWith('/proc/')) {
        const { host } = await fileNotFound(resolveContainerPath(rootfs, containerPath, { follow: true }), containerPath, shownAs);
        target = whereItLives(current, `/${path.relative(rootfs, host)}`, this.ctx.snapshots.getActive(c.id).merged);
      } else if (!running) {
        target = inMountOfStopped(current, containerPath) ?? target;
      }
      if (target.kind === 'read-only') throw invalidArgument('mounted volume is marked read-only');
      if (target.kind === 'tmpfs') throw invalidArgument(`copying into the tmpfs mount ${target.path} is not supported`);
      if (target.kind === 'rootfs' && current.request.readonlyRootfs === true) throw invalidArgument('container rootfs is marked read-only');
      return fileNotFound(putArchive(target.root, target.path, tar, options), containerPath, shownAs);
    });
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
  private withRootfs<T>(id: string, use: (rootfs: string, c: StoredContainer, running: boolean) => Promise<T>, hold?: (value: T) => Promise<unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.ctx.lock.run(id, async () => {
        let temporary = false;
        try {
          const c = this.ctx.container(id);
          temporary = !MOUNTED.has(c.state.status);
          const rootfs = temporary ? await this.ctx.snapshots.mount(id) : c.state.pid > 0 ? `/proc/${c.state.pid}/root` : this.ctx.snapshots.getActive(id).merged;
          const value = await use(rootfs, c, !temporary);
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

/** Where an operation lands: a path under a root on the host, or why it cannot. */
interface Target {
  kind: 'rootfs' | 'mount' | 'read-only' | 'tmpfs';
  root: string;
  path: string;
  /** What the root of `root` is called in the container, when the path is a mount's own root. */
  name?: string;
}

/**
 * A stopped container's path under one of its volumes or binds (read lexically: the
 * snapshot does not hold a volume's contents), as a path inside the mount's source, which
 * is then resolved as a root of its own; undefined when no volume or bind holds it (a
 * stopped container's tmpfs is gone: what lies under it is the root filesystem's).
 */
function inMountOfStopped(c: StoredContainer, containerPath: string): Target | undefined {
  const parsed = parseContainerPath(containerPath);
  const target = whereItLives(c, parsed.abs, '');
  if (target.kind === 'rootfs' || target.kind === 'tmpfs') return undefined;
  const suffix = parsed.contentsOnly ? '/.' : parsed.trailing && target.path !== '/' ? '/' : '';
  const name = target.path === '/' && !parsed.contentsOnly ? path.posix.basename(parsed.abs) : undefined;
  return { ...target, path: target.path + suffix, ...(name === undefined ? {} : { name }) };
}

/**
 * Where a resolved container path lives on the host: under the deepest volume or bind
 * mounted over it (its source, and the rest of the path inside it), else in the root
 * filesystem. The path holds no links any more (it was resolved in the container's view).
 * A tmpfs exists only in the container's mount namespace: nothing to write to from here.
 */
function whereItLives(c: StoredContainer, containerPath: string, merged: string): Target {
  const clean = containerPath === '/' ? '/' : containerPath.replace(/\/+$/, '');
  let best: ContainerMount | undefined;
  for (const m of c.config.mounts ?? []) {
    if (clean !== m.destination && !clean.startsWith(`${m.destination}/`)) continue;
    if (best === undefined || m.destination.length > best.destination.length) best = m;
  }
  if (best === undefined) return { kind: 'rootfs', root: merged, path: clean };
  const rest = `/${clean.slice(best.destination.length).replace(/^\/+/, '')}`;
  if (best.type === 'tmpfs') return { kind: 'tmpfs', root: '', path: best.destination };
  return { kind: best.rw ? 'mount' : 'read-only', root: best.source, path: rest };
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
