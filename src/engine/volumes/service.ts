import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Metadata } from '../../content/index.js';
import { conflict, invalidArgument, isNotFound } from '../../lib/index.js';
import { isMountPoint, unmount, unmountAllUnder } from '../../layers/index.js';
import { dirSize } from './dir-size.js';
import { checkDriverOptions, mountVolume, needsMount } from './driver-options.js';
import { matchesFilters } from './filters.js';
import { VolumeStore, noSuchVolume, type StoredVolume } from './store.js';
import {
  ANONYMOUS_LABEL,
  type VolumeCreateRequest,
  type VolumeEvent,
  type VolumeFilters,
  type VolumePruneOptions,
  type VolumePruneResult,
  type VolumeRecord,
  type VolumeService,
  type VolumeUsage,
} from './types.js';

export const LOCAL_DRIVER = 'local';

/** Docker's restricted name pattern: two or more characters, starting alphanumeric. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  if (!NAME.test(name)) {
    throw invalidArgument(
      `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}


/**
 * Volumes of the local driver: `<root>/volumes/<name>/_data` plus a row in the metadata
 * database.
 *
 * Lifecycle: create makes the directory under a dot-name (never a valid volume name),
 * renames it into place and only then writes the row; remove deletes the row first and
 * then the directory. A volume exists exactly when its row does, so a crash at any point
 * leaves at worst a directory without a row, which open() sweeps away. Changes run one
 * at a time; containers reserve the volumes they are being created with, so a
 * concurrent remove cannot take a volume from under a container that is not yet stored.
 */
export class LocalVolumeService implements VolumeService {
  private readonly store: VolumeStore;
  private readonly dir: string;
  private readonly listeners = new Set<(event: VolumeEvent) => void>();
  private readonly reservations = new Map<string, Set<string>>();
  /** Who has a volume with mount options mounted (a container ID each); unmounted when none is left. */
  private readonly mounted = new Map<string, Set<string>>();
  private containerUsers: () => ReadonlyMap<string, readonly string[]> = () => new Map();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(root: string, metadata: Metadata) {
    this.store = new VolumeStore(metadata);
    this.dir = path.join(root, 'volumes');
  }

  /** Opens the service and removes what an interrupted create or remove left behind. */
  static async open(root: string, metadata: Metadata): Promise<LocalVolumeService> {
    const service = new LocalVolumeService(root, metadata);
    await mkdir(service.dir, { recursive: true, mode: 0o701 });
    const known = service.store.names();
    for (const entry of await readdir(service.dir)) {
      if (known.has(entry)) continue;
      // Never delete through a mount: a bind volume's data is the host directory's.
      if (await unmountAllUnder(path.join(service.dir, entry))) await rm(path.join(service.dir, entry), { recursive: true, force: true });
    }
    return service;
  }

  /** Tells the service which containers use which volumes (the container service knows): volume name → container IDs. */
  setContainerUsers(users: () => ReadonlyMap<string, readonly string[]>): void {
    this.containerUsers = users;
  }

  /** Marks volumes as used by `holder` until the returned release is called. */
  reserve(names: readonly string[], holder: string): () => void {
    for (const name of names) {
      let set = this.reservations.get(name);
      if (set === undefined) this.reservations.set(name, (set = new Set()));
      set.add(holder);
    }
    return () => {
      for (const name of names) {
        const set = this.reservations.get(name);
        set?.delete(holder);
        if (set?.size === 0) this.reservations.delete(name);
      }
    };
  }

  mountpoint(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  users(name: string): string[] {
    return this.usersIn(this.containerUsers(), name);
  }

  /** A volume's users: containers (from one snapshot of who uses what) and reservations. */
  private usersIn(containers: ReadonlyMap<string, readonly string[]>, name: string): string[] {
    const ids = new Set(containers.get(name) ?? []);
    for (const holder of this.reservations.get(name) ?? []) ids.add(holder);
    return [...ids];
  }

  async create(request: VolumeCreateRequest = {}): Promise<VolumeRecord> {
    const unnamed = request.name === undefined || request.name === '';
    const name = unnamed ? randomBytes(32).toString('hex') : (request.name as string);
    // Containers name their anonymous volumes themselves (to reserve them first) and mark them by label.
    const anonymous = unnamed || Object.hasOwn(request.labels ?? {}, ANONYMOUS_LABEL);
    checkVolumeName(name);
    const driver = request.driver === undefined || request.driver === '' ? LOCAL_DRIVER : request.driver;
    if (driver !== LOCAL_DRIVER) throw invalidArgument(`volume driver ${JSON.stringify(driver)} is not supported: berth has only the local driver`);
    checkDriverOptions(request.options);
    for (const key of Object.keys(request.labels ?? {})) if (key === '') throw invalidArgument('invalid label: empty name');
    return this.serial(async () => {
      const existing = this.store.find(name);
      if (existing !== undefined) return this.toRecord(existing);
      const staging = path.join(this.dir, `.creating-${randomBytes(8).toString('hex')}`);
      const target = path.join(this.dir, name);
      try {
        await mkdir(staging, { mode: 0o701 });
        await mkdir(path.join(staging, '_data'), { mode: 0o755 });
        // A directory without a row is what a crash left: not a volume, so replace it (never through a mount).
        if (existsSync(target)) {
          if (!(await unmountAllUnder(target))) throw conflict(`create ${name}: ${target} is still mounted`);
          await rm(target, { recursive: true, force: true });
        }
        await rename(staging, target);
        const labels = anonymous ? { ...request.labels, [ANONYMOUS_LABEL]: '' } : request.labels;
        const stored: StoredVolume = {
          name,
          driver,
          labels: labels === undefined ? null : { ...labels },
          options: request.options === undefined ? null : { ...request.options },
          created: new Date(),
          anonymous,
        };
        this.store.insert(stored);
        this.emit('create', name, { driver });
        return this.toRecord(stored);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        if (this.store.find(name) === undefined) await rm(target, { recursive: true, force: true });
        throw err;
      }
    });
  }

  async get(name: string): Promise<VolumeRecord> {
    return this.toRecord(this.store.get(name));
  }

  async list(filters: VolumeFilters = {}): Promise<VolumeRecord[]> {
    const containers = this.containerUsers();
    return this.store
      .list()
      .map((v) => this.toRecord(v))
      .filter((v) => matchesFilters(v, this.usersIn(containers, v.name).length > 0, filters));
  }

  remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      const v = this.store.find(name);
      if (v === undefined) {
        if (options.force === true) return;
        throw noSuchVolume(name);
      }
      await this.removeUnused(v);
    });
  }

  /**
   * Makes a volume's data ready for `ref` (a container starting): a volume with mount
   * options gets its device mounted on its data directory for its first user.
   */
  async mount(name: string, ref: string): Promise<string> {
    // The common case (no mount options) stays off the queue: starts never wait for a prune.
    if (!needsMount(this.store.get(name).options)) return this.mountpoint(name);
    return this.serial(async () => {
      const v = this.store.get(name);
      const mountpoint = this.mountpoint(name);
      if (!needsMount(v.options)) return mountpoint;
      if (!(await isMountPoint(mountpoint))) await mountVolume(v.options ?? {}, mountpoint);
      let refs = this.mounted.get(name);
      if (refs === undefined) this.mounted.set(name, (refs = new Set()));
      refs.add(ref);
      return mountpoint;
    });
  }

  /** `ref` is done with the volume; the last one out unmounts a volume with mount options. */
  async unmount(name: string, ref: string): Promise<void> {
    if (this.mounted.get(name)?.has(ref) !== true) return;
    return this.serial(async () => {
      const refs = this.mounted.get(name);
      refs?.delete(ref);
      if (refs !== undefined && refs.size > 0) return;
      this.mounted.delete(name);
      const v = this.store.find(name);
      if (v === undefined || !needsMount(v.options)) return;
      const mountpoint = this.mountpoint(name);
      if (await isMountPoint(mountpoint)) await unmount(mountpoint);
    });
  }

  /** Under the queue: removes a volume unless a container uses it. */
  private async removeUnused(v: StoredVolume): Promise<void> {
    const users = this.users(v.name);
    if (users.length > 0) throw conflict(`remove ${v.name}: volume is in use - [${users.join(', ')}]`);
    const volumeDir = path.join(this.dir, v.name);
    if (!(await unmountAllUnder(volumeDir))) throw conflict(`remove ${v.name}: volume is still mounted at ${this.mountpoint(v.name)}`);
    this.mounted.delete(v.name);
    this.store.delete(v.name);
    const doomed = path.join(this.dir, `.removing-${randomBytes(8).toString('hex')}`);
    try {
      await rename(path.join(this.dir, v.name), doomed);
      await rm(doomed, { recursive: true, force: true });
    } catch (err) {
      // The row is gone, so the volume is; a directory left over is swept at the next open.
      if (!isNotFound(err) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.emit('destroy', v.name, { driver: v.driver });
  }

  prune(options: VolumePruneOptions = {}): Promise<VolumePruneResult> {
    return this.serial(async () => {
      const deleted: string[] = [];
      let spaceReclaimed = 0;
      const containers = this.containerUsers();
      for (const v of this.store.list()) {
        const record = this.toRecord(v);
        if (v.driver !== LOCAL_DRIVER || v.options !== null) continue;
        if (options.all !== true && !v.anonymous) continue;
        if (!matchesFilters(record, false, { ...(options.labels ? { labels: options.labels } : {}), ...(options.notLabels ? { notLabels: options.notLabels } : {}) })) continue;
        if (this.usersIn(containers, v.name).length > 0) continue;
        const size = await dirSize(record.mountpoint);
        await this.removeUnused(v);
        deleted.push(v.name);
        spaceReclaimed += size;
      }
      this.emit('prune', '', { reclaimed: String(spaceReclaimed) });
      return { deleted, spaceReclaimed };
    });
  }

  async usage(): Promise<VolumeUsage[]> {
    const out: VolumeUsage[] = [];
    const containers = this.containerUsers();
    for (const v of this.store.list()) {
      out.push({ name: v.name, size: await dirSize(this.mountpoint(v.name)), refCount: this.usersIn(containers, v.name).length });
    }
    return out;
  }

  onEvent(listener: (event: VolumeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private toRecord(v: StoredVolume): VolumeRecord {
    return { ...v, mountpoint: this.mountpoint(v.name), scope: 'local' };
  }

  private emit(action: VolumeEvent['action'], id: string, attributes: Record<string, string>): void {
    const event: VolumeEvent = { type: 'volume', action, id, attributes, time: new Date() };
    for (const listener of this.listeners) listener(event);
  }

  /** Runs changes one after another (creates and removes are rare; reads need no queue). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
