/**
 * The overlayfs snapshotter: committed snapshots are extracted layers, keyed by chain ID
 * and stacked as overlay lowers; active snapshots are writable overlays on top of one.
 *
 * On disk, under `<root>/snapshots`:
 *   metadata.db           SQLite (WAL): one row per snapshot; the row id names its directory
 *   <id>/fs               a committed layer's files, or an active snapshot's upper dir
 *   <id>/work, <id>/merged  an active snapshot's overlay work dir and mount point
 *   tmp/<pid>-<random>    staging (extraction in progress) and trash (being deleted)
 * Directory names are short integers so that `lowerdir=12/fs:11/fs:…`, resolved against
 * this directory, keeps the mount options of a 100+ layer image under one page.
 *
 * Lifecycle of a committed snapshot: prepareCommit(chainId, parent) → extract into
 * `pending.path` (overlay-form whiteouts) or `await pending.mount()` (the parent chain
 * merged, for appliers that delete what whiteouts name) → `pending.commit()` renames the staging dir to `<id>` and records the row
 * in one write transaction, so a crash leaves either nothing visible or a whole snapshot;
 * leftovers (staging of dead processes, directories without a row) are removed at open.
 * Of two concurrent commits of one chain ID the first wins; the other discards its files
 * and returns the winner. An active snapshot: createActive(key, parent) → mount(key) →
 * run a container in `merged` → unmount(key) → diffUpperDir(upper) → removeActive(key).
 * remove(chainId) is refused while a committed or active snapshot sits on top of it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { alreadyExists, failedPrecondition, invalidArgument, isErrno, notFound } from '../lib/index.js';
import { parseDigest, type Digest } from '../oci/index.js';
import { bindMount, isMountPoint, mountOverlay, unmount, unmountAllUnder } from './overlay-mount.js';
import { SnapshotMetadata, type SnapshotRow } from './snapshots-db.js';
import { diskUsage } from './snapshots-usage.js';

const run = promisify(execFile);

export interface SnapshotInfo {
  id: number;
  chainId: Digest;
  parent?: Digest;
  /** The layer's extracted files. */
  path: string;
  created: Date;
}

export interface ActiveSnapshot {
  id: number;
  key: string;
  parent?: Digest;
  /** Overlay upper dir: the changes, for diffUpperDir. */
  upper: string;
  work: string;
  /** The writable root once mounted. */
  merged: string;
  created: Date;
}

/** A committed snapshot being extracted; invisible until commit(). */
export interface PendingCommit {
  readonly chainId: Digest;
  readonly parent?: Digest;
  /**
   * The layer's own directory. Extract here directly only with an applier that writes
   * whiteouts in overlay form (0/0 character devices, `trusted.overlay.opaque=y`), such as
   * applyLayer with `whiteouts: 'overlay'` (what unpackLayer does): an applier that
   * deletes what a whiteout names finds nothing to delete here. Such an applier extracts
   * into `mount()` instead.
   */
  readonly path: string;
  /**
   * Mounts the parent chain with `path` as the upper dir and returns the merged view: an
   * applier's deletions there become overlay whiteouts in `path`. Without a parent it is
   * `path` itself. commit() and abort() unmount it.
   */
  mount(): Promise<string>;
  /** Makes the snapshot visible (or returns the one a concurrent commit made first). */
  commit(): Promise<SnapshotInfo>;
  /** Discards the extracted files. */
  abort(): Promise<void>;
}

/** Looks up committed snapshots. */
export interface SnapshotReader {
  has(chainId: Digest): boolean;
  get(chainId: Digest): SnapshotInfo;
  list(): SnapshotInfo[];
  /** Extracted directories of the chain, topmost first (absolute paths). */
  lowerDirs(chainId: Digest): string[];
  usage(chainId: Digest): Promise<number>;
}

/** Adds and removes committed snapshots. */
export interface SnapshotWriter {
  prepareCommit(chainId: Digest, parent?: Digest): Promise<PendingCommit>;
  remove(chainId: Digest): Promise<void>;
}

/** Writable overlays on top of committed snapshots. */
export interface ActiveSnapshots {
  createActive(key: string, parent?: Digest): Promise<ActiveSnapshot>;
  getActive(key: string): ActiveSnapshot;
  listActive(): ActiveSnapshot[];
  /** Mounts (if not mounted yet) and returns the merged path. */
  mount(key: string): Promise<string>;
  unmount(key: string): Promise<void>;
  removeActive(key: string): Promise<void>;
  activeUsage(key: string): Promise<number>;
}

export interface SnapshotterOptions {
  /** Flush the file system (`sync -f`) before a commit becomes visible. Default false. */
  durable?: boolean;
}

export class Snapshotter implements SnapshotReader, SnapshotWriter, ActiveSnapshots {
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(
    /** `<root>/snapshots`, canonical. */
    readonly dir: string,
    private readonly db: SnapshotMetadata,
    private readonly options: SnapshotterOptions,
  ) {}

  /** Opens (creating if needed) the snapshots of a berth root and removes crash leftovers. */
  static async open(root: string, options: SnapshotterOptions = {}): Promise<Snapshotter> {
    const requested = join(root, 'snapshots');
    await mkdir(join(requested, 'tmp'), { recursive: true, mode: 0o700 });
    const dir = await realpath(requested);
    const snapshotter = new Snapshotter(dir, new SnapshotMetadata(join(dir, 'metadata.db')), options);
    try {
      await snapshotter.recover();
    } catch (err) {
      snapshotter.close();
      throw err;
    }
    return snapshotter;
  }

  close(): void {
    this.db.close();
  }

  has(chainId: Digest): boolean {
    return this.db.find('committed', chainId) !== undefined;
  }

  get(chainId: Digest): SnapshotInfo {
    return this.committedInfo(this.committedRow(chainId));
  }

  list(): SnapshotInfo[] {
    return this.db.list('committed').map((row) => this.committedInfo(row));
  }

  lowerDirs(chainId: Digest): string[] {
    return this.db.ancestry(this.committedRow(chainId).id).map((row) => this.fsPath(row.id));
  }

  async usage(chainId: Digest): Promise<number> {
    return diskUsage(this.fsPath(this.committedRow(chainId).id));
  }

  async prepareCommit(chainId: Digest, parent?: Digest): Promise<PendingCommit> {
    const { digest } = parseDigest(chainId);
    if (parent !== undefined) parseDigest(parent);
    if (this.has(digest)) throw alreadyExists(`snapshot ${digest} already exists`);
    const parentRow = parent === undefined ? undefined : this.committedRow(parent);
    const staging = await this.stage(['fs']);
    try {
      if (parentRow) await this.inheritRoot(parentRow.id, staging);
    } catch (err) {
      await this.discard(staging).catch(() => undefined);
      throw err;
    }
    let state: 'open' | 'closing' | 'closed' = 'open';
    let merged: Promise<string> | undefined;
    const claim = (): void => {
      if (state !== 'open') throw failedPrecondition(`pending snapshot ${digest} was already committed or aborted`);
      state = 'closing';
    };
    return {
      chainId: digest,
      ...(parent === undefined ? {} : { parent }),
      path: join(staging, 'fs'),
      mount: () => {
        if (state !== 'open') return Promise.reject(failedPrecondition(`pending snapshot ${digest} is closed`));
        merged ??= this.mountStaging(staging, parent);
        return merged;
      },
      commit: async () => {
        claim();
        try {
          if (merged !== undefined) {
            await this.unmountStaging(staging, merged).catch(async (err: unknown) => {
              await this.discard(staging).catch(() => undefined);
              throw err;
            });
          }
          return await this.commitStaging(staging, digest, parent);
        } finally {
          state = 'closed';
        }
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'closed';
        await this.discard(staging);
      },
    };
  }

  async remove(chainId: Digest): Promise<void> {
    const row = this.db.immediate(() => {
      const found = this.committedRow(chainId);
      const { committed, active } = this.db.dependents(found.id);
      if (committed.length > 0 || active.length > 0) {
        const names = [...committed.map((c) => `snapshot ${c}`), ...active.map((a) => `active snapshot ${a}`)];
        throw failedPrecondition(`snapshot ${chainId} is in use by ${names.join(', ')}`);
      }
      this.db.delete(found.id);
      return found;
    });
    await this.discard(this.snapshotPath(row.id));
  }

  async createActive(key: string, parent?: Digest): Promise<ActiveSnapshot> {
    if (key === '') throw invalidArgument('an active snapshot needs a key');
    if (this.db.find('active', key)) throw alreadyExists(`active snapshot ${key} already exists`);
    const parentRow = parent === undefined ? undefined : this.committedRow(parent);
    const staging = await this.stage(['fs', 'work', 'merged']);
    try {
      if (parentRow) await this.inheritRoot(parentRow.id, staging);
      const orphans: string[] = [];
      const row = this.db.immediate(() => {
        if (this.db.find('active', key)) throw alreadyExists(`active snapshot ${key} already exists`);
        const parentId = parent === undefined ? null : this.committedRow(parent).id;
        const id = this.db.insert('active', key, parentId);
        this.moveIntoPlace(staging, id, orphans);
        return this.activeRow(key);
      });
      for (const orphan of orphans) await this.discard(orphan).catch(() => undefined);
      return this.activeInfo(row);
    } catch (err) {
      await this.discard(staging).catch(() => undefined);
      throw err;
    }
  }

  getActive(key: string): ActiveSnapshot {
    return this.activeInfo(this.activeRow(key));
  }

  listActive(): ActiveSnapshot[] {
    return this.db.list('active').map((row) => this.activeInfo(row));
  }

  async mount(key: string): Promise<string> {
    return this.locked(key, async () => {
      const row = this.activeRow(key);
      const merged = join(this.snapshotPath(row.id), 'merged');
      if (await isMountPoint(merged)) return merged;
      if (row.parentId === null) {
        await bindMount(this.fsPath(row.id), merged);
      } else {
        await mountOverlay({
          lower: this.db.ancestry(row.parentId).map((lower) => `${lower.id}/fs`),
          upper: `${row.id}/fs`,
          work: `${row.id}/work`,
          target: merged,
          cwd: this.dir,
        });
      }
      return merged;
    });
  }

  async unmount(key: string): Promise<void> {
    await this.locked(key, async () => {
      const merged = join(this.snapshotPath(this.activeRow(key).id), 'merged');
      if (await isMountPoint(merged)) await unmount(merged);
    });
  }

  async removeActive(key: string): Promise<void> {
    await this.locked(key, async () => {
      const row = this.activeRow(key);
      if (!(await unmountAllUnder(this.snapshotPath(row.id)))) {
        throw failedPrecondition(`active snapshot ${key} is still mounted and could not be unmounted`);
      }
      this.db.immediate(() => this.db.delete(row.id));
      await this.discard(this.snapshotPath(row.id));
    });
  }

  async activeUsage(key: string): Promise<number> {
    return diskUsage(this.fsPath(this.activeRow(key).id));
  }

  /** The merged root takes owner and mode from the topmost root: keep the parent's. */
  private async inheritRoot(parentId: number, staging: string): Promise<void> {
    const root = await stat(this.fsPath(parentId));
    await chown(join(staging, 'fs'), root.uid, root.gid);
    await chmod(join(staging, 'fs'), root.mode & 0o7777);
  }

  /** The merged view an applier extracts a layer into (see PendingCommit.mount). */
  private async mountStaging(staging: string, parent: Digest | undefined): Promise<string> {
    if (parent === undefined) return join(staging, 'fs');
    const lowers = this.db.ancestry(this.committedRow(parent).id).map((row) => `${row.id}/fs`);
    const rel = relative(this.dir, staging);
    for (const child of ['work', 'merged']) await mkdir(join(staging, child), { recursive: true });
    await mountOverlay({
      lower: lowers,
      upper: `${rel}/fs`,
      work: `${rel}/work`,
      target: join(staging, 'merged'),
      cwd: this.dir,
    });
    return join(staging, 'merged');
  }

  /** Unmounts the apply view and drops its work dir, leaving only `fs`. */
  private async unmountStaging(staging: string, merged: Promise<string>): Promise<void> {
    await merged.catch(() => undefined);
    if (!(await unmountAllUnder(staging))) throw failedPrecondition(`${staging} could not be unmounted`);
    for (const child of ['work', 'merged']) await rm(join(staging, child), { recursive: true, force: true });
  }

  private async commitStaging(staging: string, chainId: Digest, parent: Digest | undefined): Promise<SnapshotInfo> {
    let outcome: { row: SnapshotRow; won: boolean };
    const orphans: string[] = [];
    try {
      if (this.options.durable) await run('sync', ['-f', join(staging, 'fs')]);
      outcome = this.db.immediate(() => {
        const existing = this.db.find('committed', chainId);
        if (existing) return { row: existing, won: false };
        const parentId = parent === undefined ? null : this.committedRow(parent).id;
        const id = this.db.insert('committed', chainId, parentId);
        this.moveIntoPlace(staging, id, orphans);
        return { row: this.committedRow(chainId), won: true };
      });
    } catch (err) {
      await this.discard(staging).catch(() => undefined);
      throw err;
    }
    if (!outcome.won) await this.discard(staging);
    for (const orphan of orphans) await this.discard(orphan).catch(() => undefined);
    return this.committedInfo(outcome.row);
  }

  /**
   * Renames a staging dir to `<id>`; call inside a write transaction. A directory already
   * there has no row (rows and renames change only under the write lock we hold): it is a
   * crash leftover, moved aside into `orphans` for the caller to discard.
   */
  private moveIntoPlace(staging: string, id: number, orphans: string[]): void {
    const target = this.snapshotPath(id);
    if (existsSync(target)) {
      const orphan = this.tempPath('orphan');
      renameSync(target, orphan);
      orphans.push(orphan);
    }
    renameSync(staging, target);
  }

  private async stage(children: string[]): Promise<string> {
    const staging = this.tempPath('stage');
    await mkdir(staging, { mode: 0o700 });
    for (const child of children) {
      await mkdir(join(staging, child));
      await chmod(join(staging, child), 0o755);
    }
    return staging;
  }

  /** Moves a directory to the trash, unmounts anything left inside, then deletes it. */
  private async discard(path: string): Promise<void> {
    let trash = path;
    if (!path.startsWith(`${join(this.dir, 'tmp')}/`)) {
      trash = this.tempPath('trash');
      try {
        renameSync(path, trash);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
    }
    if (!(await unmountAllUnder(trash))) throw failedPrecondition(`${trash} holds mounts that could not be unmounted`);
    await rm(trash, { recursive: true, force: true });
  }

  /** Removes staging dirs of dead processes and snapshot directories without a row. */
  private async recover(): Promise<void> {
    const orphans = this.db.immediate(() => {
      const ids = this.db.ids();
      const moved: string[] = [];
      for (const name of readdirSync(this.dir)) {
        if (!/^\d+$/.test(name) || ids.has(Number(name))) continue;
        const trash = this.tempPath('orphan');
        renameSync(join(this.dir, name), trash);
        moved.push(trash);
      }
      return moved;
    });
    const tmp = join(this.dir, 'tmp');
    const leftovers = (await readdir(tmp))
      .filter((name) => {
        const pid = Number(/^(\d+)-/.exec(name)?.[1] ?? Number.NaN);
        return !(pid === process.pid || processAlive(pid));
      })
      .map((name) => join(tmp, name));
    for (const path of [...orphans, ...leftovers]) {
      // Best effort: a leftover that is still mounted stays for a later open.
      await this.discard(path).catch(() => undefined);
    }
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  private committedRow(chainId: string): SnapshotRow {
    const row = this.db.find('committed', chainId);
    if (!row) throw notFound(`snapshot ${chainId} not found`);
    return row;
  }

  private activeRow(key: string): SnapshotRow {
    const row = this.db.find('active', key);
    if (!row) throw notFound(`active snapshot ${key} not found`);
    return row;
  }

  private committedInfo(row: SnapshotRow): SnapshotInfo {
    return {
      id: row.id,
      chainId: row.name as Digest,
      ...(row.parentName === null ? {} : { parent: row.parentName as Digest }),
      path: this.fsPath(row.id),
      created: new Date(row.created),
    };
  }

  private activeInfo(row: SnapshotRow): ActiveSnapshot {
    const base = this.snapshotPath(row.id);
    return {
      id: row.id,
      key: row.name,
      ...(row.parentName === null ? {} : { parent: row.parentName as Digest }),
      upper: join(base, 'fs'),
      work: join(base, 'work'),
      merged: join(base, 'merged'),
      created: new Date(row.created),
    };
  }

  private snapshotPath(id: number): string {
    return join(this.dir, String(id));
  }

  private fsPath(id: number): string {
    return join(this.snapshotPath(id), 'fs');
  }

  private tempPath(purpose: string): string {
    return join(this.dir, 'tmp', `${process.pid}-${purpose}-${randomBytes(6).toString('hex')}`);
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}
