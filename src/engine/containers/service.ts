import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Metadata } from '../../content/index.js';
import { diffUpperDir, type Snapshotter } from '../../layers/index.js';
import { conflict, errorKind, failedPrecondition, invalidArgument, isNotFound, notFound } from '../../lib/index.js';
import type { Digest, ImageConfig } from '../../oci/index.js';
import type { NetworkManager } from '../../network/index.js';
import type { HostInfo } from '../../runtime/index.js';
import { ContainerArchives } from './archive-service.js';
import { dropMountPoints, isMountPoint } from './changes.js';
import { resolveConfig } from './config.js';
import { containerHandle, notRunning } from './container-handle.js';
import type { DriverPort, LogReaderPort } from './driver-port.js';
import { EventHub } from './events.js';
import { ContainerExecs } from './exec-service.js';
import { ExitSignals, type ExitReport } from './exit-signals.js';
import type { ContainerHandle } from './handle.js';
import { HealthChecks } from './health-checks.js';
import { KeyedLock } from './keyed-lock.js';
import { launch, StartFailure, type LaunchContext } from './launch.js';
import { checkLimits } from './limits.js';
import { generateName, normalizeName } from './names.js';
import { wasOomKilled } from './oom.js';
import { recoverContainers } from './readopt.js';
import { checkMountRequest, imageVolumes, planMounts } from './mount-plan.js';
import { mountVolumes, populateVolumes, resolveMounts, type ResolvedMounts } from './mounts-resolve.js';
import { etcFilePaths, writeEtcFiles } from './etc-files.js';
import { etcOptions } from './launch.js';
import { parseNetworkMode, resolveNetworks } from './networking.js';
import { checkLogMaxSize, checkSignal, signalName } from './request-checks.js';
import { checkRestartPolicy, nextDelay, shouldRestart } from './restart.js';
import { checkSpec } from './spec.js';
import { readStats } from './stats.js';
import { emptyStats } from './stats-empty.js';
import { ContainerStore, nameConflict, type StoredContainer } from './store.js';
import { attachSession, logLines, readOptions } from './streams.js';
import { top } from './top.js';
import type { VolumePort } from './volume-port.js';
import type {
  AttachSession,
  ContainerConfig,
  ContainerCreateRequest,
  ContainerEvent,
  ContainerMount,
  ContainerRecord,
  ContainerService,
  ContainerState,
  EndpointSettings,
  ExecRecord,
  ExecRequest,
  ExecSession,
  LogLine,
  LogOptions,
  PathStat,
  StatsSample,
  WaitCondition,
} from './types.js';

/** What the service needs of the image service: an image by reference, unpacked. */
export interface ImageSource {
  prepareRootfs(reference: string): Promise<{ record: { id: Digest; config: ImageConfig }; chainId: Digest | undefined }>;
}

export interface ContainerServiceOptions {
  /** The engine root: containers live in `<root>/containers/<id>/`. */
  root: string;
  metadata: Metadata;
  images: ImageSource;
  snapshots: Snapshotter;
  driver: DriverPort;
  readLogs: LogReaderPort;
  host: HostInfo;
  /** cgroup parent of every container (cgroupfs path), default `/berth`. */
  cgroupParent?: string;
  /** Host binary mounted as the container's init with `init: true`. */
  initBinary?: string;
  volumes: VolumePort;
  network: NetworkManager;
}

/** In-memory companions of a container that exists while this service runs. */
interface Live {
  restartTimer?: NodeJS.Timeout;
  restartDelayMs: number;
  monitoring: boolean;
}

const ACTIVE: ReadonlySet<ContainerState['status']> = new Set(['running', 'paused', 'restarting']);

/**
 * Containers over the snapshotter (root filesystems), the runtime driver (conmon + runc)
 * and a metadata table.
 *
 * Lifecycle: create (row + writable snapshot + directory) → start (mount the rootfs,
 * write the bundle, driver create + start, a monitor waits for the exit) → exit (exit
 * code and OOM recorded, runtime state deleted, rootfs unmounted: it stays as the
 * snapshot's upper dir until remove) → the restart policy may start it again → remove.
 * While the process runs, health checks probe it (health-checks.ts) and exec, stats and
 * top reach it through a ContainerHandle; cp (archive-service.ts) mounts the snapshot of
 * a container that does not run for as long as the copy takes.
 * Every change of one container runs under its lock; waiting for an exit never does.
 */
export class LocalContainerService implements ContainerService {
  private readonly store: ContainerStore;
  private readonly events = new EventHub();
  private readonly signals = new ExitSignals();
  private readonly lock = new KeyedLock();
  private readonly live = new Map<string, Live>();
  private readonly closing = new AbortController();
  private readonly containersDir: string;
  private readonly cgroupParent: string;
  private readonly launchContext: LaunchContext;
  private readonly execs: ContainerExecs;
  private readonly archives: ContainerArchives;
  private readonly health: HealthChecks;

  constructor(private readonly o: ContainerServiceOptions) {
    this.store = new ContainerStore(o.metadata);
    this.containersDir = path.join(o.root, 'containers');
    this.cgroupParent = o.cgroupParent ?? '/berth';
    this.launchContext = {
      driver: o.driver,
      volumes: o.volumes,
      snapshots: o.snapshots,
      host: o.host,
      initBinary: o.initBinary,
      containerDir: (id) => this.containerDir(id),
      logPath: (id) => this.logPath(id),
      cgroupsPath: (id) => this.cgroupsPath(id),
      network: o.network,
      namespaceOwner: (idOrName) => {
        const owner = this.store.find(idOrName);
        if (owner.state.status !== 'running' || owner.state.pid <= 0) throw conflict(`cannot join the network of a non running container: ${owner.id}`);
        return { id: owner.id, pid: owner.state.pid };
      },
    };
    const container = (id: string): StoredContainer => this.store.get(id);
    this.execs = new ContainerExecs({
      container,
      handleOf: (c) => this.handleOf(c),
      emit: (action, c, extra) => this.emit(action, c, extra),
    });
    this.archives = new ContainerArchives({ container, lock: this.lock, snapshots: o.snapshots });
    this.health = new HealthChecks({
      probe: (id) => (cmd, signal) => this.execs.probe(id, cmd, signal),
      save: (id, health) => {
        if (!this.store.has(id)) return;
        const c = this.store.get(id);
        if (ACTIVE.has(c.state.status)) this.store.setState(id, { ...c.state, health });
      },
      statusChanged: (id, status) => {
        if (this.store.has(id)) this.emit(`health_status: ${status}`, this.store.get(id));
      },
    });
  }

  containerDir(id: string): string {
    return path.join(this.containersDir, id);
  }

  logPath(id: string): string {
    return path.join(this.containerDir(id), 'ctr.log');
  }

  cgroupsPath(id: string): string {
    return path.posix.join(this.cgroupParent, id);
  }

  // ---- create, inspect ----------------------------------------------------------------

  async create(request: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    if (typeof request.image !== 'string' || request.image === '') throw invalidArgument('No image specified');
    const wanted = request.name === undefined || request.name === '' ? undefined : normalizeName(request.name);
    if (wanted !== undefined) {
      const taken = this.store.byName(wanted);
      if (taken) throw nameConflict(wanted, taken.id);
    }
    const policyError = checkRestartPolicy(request.restartPolicy);
    if (policyError !== undefined) throw invalidArgument(policyError);
    if (request.autoRemove === true && request.restartPolicy !== undefined && request.restartPolicy.name !== 'no') {
      throw invalidArgument("can't create 'AutoRemove' container with restart policy");
    }
    checkLogMaxSize(request.logMaxSize);
    checkLimits(request.resources ?? {}, this.o.host.cpus);
    checkMountRequest(request);
    const { record: image, chainId } = await this.o.images.prepareRootfs(request.image);
    const id = randomBytes(32).toString('hex');
    const config = resolveConfig(request, image.config, id);
    checkSpec(request, config, this.o.host, this.o.initBinary);
    const fromImage = imageVolumes(image.config.config?.Volumes);
    const volumeTargets = [...new Set([...fromImage, ...(request.volumes ?? [])])];
    if (volumeTargets.length > 0) config.volumes = volumeTargets;
    const networks = resolveNetworks(request, config, this.o.network, (key) => this.exists(key));
    const intents = planMounts(request, fromImage, (other) => this.mountsOf(other));
    const resolved = await resolveMounts(intents, this.o.volumes, id);
    try {
      if (resolved.mounts.length > 0) config.mounts = resolved.mounts;
      return await this.createStored({ ...request, networks }, wanted, id, image.id, chainId, config, resolved);
    } catch (err) {
      await resolved.undo();
      throw err;
    } finally {
      resolved.release();
    }
  }

  /** The container's directory, snapshot (volumes filled from it) and row; undone on failure. */
  private async createStored(
    request: ContainerCreateRequest,
    wanted: string | undefined,
    id: string,
    imageId: Digest,
    chainId: Digest | undefined,
    config: ContainerConfig,
    resolved: ResolvedMounts,
  ): Promise<{ id: string; warnings: string[] }> {
    const warnings: string[] = [];
    const mode = parseNetworkMode(request.networkMode);
    if (mode.kind === 'host' && (Object.keys(request.portBindings ?? {}).length > 0 || request.publishAllPorts === true)) {
      warnings.push('Published ports are discarded when using host network mode');
    }
    if ((request.resources?.memory ?? 0) > 0 && !this.o.host.cgroup.swapAccounting) {
      warnings.push('Your kernel does not support memory swap capabilities or the cgroup is not mounted. Memory limited without swap.');
    }
    const name = wanted ?? generateName((n) => this.store.byName(n) !== undefined);
    const dir = this.containerDir(id);
    await mkdir(dir, { recursive: true, mode: 0o710 });
    try {
      await this.o.snapshots.createActive(id, chainId);
      try {
        if (resolved.toPopulate.length > 0) await this.populate(id, resolved);
        this.store.insert({
          id,
          name,
          created: new Date(),
          image: request.image,
          imageId,
          request: { ...request },
          config,
          state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false },
          restartCount: 0,
          stoppedByUser: false,
        });
      } catch (err) {
        await this.o.snapshots.removeActive(id).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    this.emit('create', this.store.get(id));
    return { id, warnings };
  }

  /** Fills new volumes from the image: the snapshot is mounted for as long as the copy takes. */
  private async populate(id: string, resolved: ResolvedMounts): Promise<void> {
    const rootfs = await this.o.snapshots.mount(id);
    try {
      const volumes = resolved.toPopulate.map((t): ContainerMount => ({ type: 'volume', name: t.name, source: t.mountpoint, destination: t.destination, mode: '', rw: true, propagation: '' }));
      const unmountVolumes = await mountVolumes(this.o.volumes, volumes, id);
      try {
        await populateVolumes(rootfs, resolved.toPopulate);
      } finally {
        await unmountVolumes();
      }
    } finally {
      await this.o.snapshots.unmount(id);
    }
  }

  async get(idOrName: string): Promise<ContainerRecord> {
    return this.toRecord(this.store.find(idOrName));
  }

  async list(options: { all?: boolean } = {}): Promise<ContainerRecord[]> {
    return this.store
      .list()
      .filter((c) => options.all === true || ACTIVE.has(c.state.status))
      .map((c) => this.toRecord(c));
  }

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    return this.events.on(listener);
  }

  /** `--volumes-from`: the mounts of another container; a missing one is the request's fault. */
  private mountsOf(idOrName: string): ContainerMount[] {
    try {
      return this.store.find(idOrName).config.mounts ?? [];
    } catch (err) {
      if (isNotFound(err)) throw invalidArgument(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Volume name → IDs of the containers that mount it (for the volume service's removal checks). */
  volumeUsers(): Map<string, string[]> {
    const users = new Map<string, string[]>();
    for (const c of this.store.list()) {
      for (const m of c.config.mounts ?? []) {
        if (m.type !== 'volume' || m.name === undefined) continue;
        const ids = users.get(m.name) ?? [];
        if (!ids.includes(c.id)) ids.push(c.id);
        users.set(m.name, ids);
      }
    }
    return users;
  }

  /** Containers made from an image (for the image service's removal checks). */
  imageUsers(imageId: Digest): Array<{ id: string; running: boolean }> {
    return this.store.usingImage(imageId).map((c) => ({ id: c.id, running: ACTIVE.has(c.state.status) }));
  }

  // ---- start, exit, restart -----------------------------------------------------------

  async start(idOrName: string): Promise<void> {
    const { id } = this.store.find(idOrName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      switch (c.state.status) {
        case 'running':
          return; // already started (Docker's 304)
        case 'paused':
          throw conflict('cannot start a paused container, try unpause instead');
        case 'removing':
        case 'dead':
          throw conflict(`container ${id} is marked for removal and cannot be started`);
        default:
          break;
      }
      const live = this.liveOf(id);
      clearTimeout(live.restartTimer);
      live.restartTimer = undefined;
      live.restartDelayMs = 0;
      this.store.setStoppedByUser(id, false);
      this.store.setRestartCount(id, 0);
      await this.launchLocked({ ...c, stoppedByUser: false, restartCount: 0 });
    });
  }

  /** Under the lock: starts the process and its monitor, or records why it could not start. */
  private async launchLocked(c: StoredContainer): Promise<void> {
    this.execs.forget(c.id);
    let pid: number;
    try {
      pid = await launch(this.launchContext, c);
    } catch (err) {
      const failure = err as StartFailure;
      const state: ContainerState = {
        ...c.state,
        status: c.state.status === 'restarting' ? 'exited' : c.state.status === 'running' ? 'exited' : c.state.status,
        pid: 0,
        exitCode: failure.exitCode ?? 125,
        error: failure.message,
      };
      this.setState(c.id, state);
      this.signals.exited(c.id, { exitCode: state.exitCode, error: state.error });
      // Docker removes an auto-remove container whose start failed, too (`run --rm nosuchcmd`).
      if (c.request.autoRemove === true) void this.removeAfterExit(c.id);
      throw err;
    }
    const health = HealthChecks.initial(c.config.healthcheck, c.state.health);
    const state: ContainerState = {
      status: 'running',
      pid,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: new Date(),
      ...(c.state.finishedAt === undefined ? {} : { finishedAt: c.state.finishedAt }),
      ...(health === undefined ? {} : { health }),
    };
    this.store.setState(c.id, state);
    for (const e of this.o.network.endpoints(c.id)) this.emitNetwork('connect', { id: e.networkId, name: e.networkName }, c.id);
    this.emit('start', c);
    this.watch(c.id);
  }

  /** Watches a running container: its exit, and its health checks when it has them. */
  private watch(id: string): void {
    const c = this.store.get(id);
    this.health.start(id, c.config.healthcheck, c.state.startedAt, c.state.health ?? HealthChecks.initial(c.config.healthcheck, undefined));
    this.monitor(id);
  }

  /** Waits (outside any lock) for the process to exit, then records the exit. */
  private monitor(id: string): void {
    const live = this.liveOf(id);
    if (live.monitoring) return;
    live.monitoring = true;
    void (async () => {
      let exitCode: number;
      try {
        exitCode = await this.o.driver.wait(id, this.closing.signal);
      } catch {
        if (this.closing.signal.aborted) return;
        exitCode = 255; // conmon is gone and the exit code with it
      } finally {
        live.monitoring = false;
      }
      if (this.closing.signal.aborted) return;
      await this.lock.run(id, () => this.recordExit(id, exitCode)).catch(() => undefined);
    })();
  }

  /**
   * Under the lock: the process is gone; record it, clean up, apply the restart policy
   * (not when recovering: recoverContainers decides about restarts itself).
   */
  private async recordExit(id: string, exitCode: number, applyPolicy = true): Promise<void> {
    this.health.stop(id);
    if (!this.store.has(id)) return;
    const c = this.store.get(id);
    const oomKilled = await wasOomKilled(this.o.host.cgroup, this.cgroupsPath(id));
    await this.o.driver.delete(id, true).catch(() => undefined);
    await this.unmountVolumes(c);
    await this.releaseNetworks(id).catch(() => undefined);
    await this.o.snapshots.unmount(id).catch(() => undefined);
    const finishedAt = new Date();
    const state: ContainerState = { ...c.state, status: 'exited', pid: 0, exitCode, oomKilled, error: '', finishedAt };
    this.setState(id, state);
    if (oomKilled) this.emit('oom', c);
    this.emit('die', c, { exitCode: String(exitCode) });
    this.signals.exited(id, { exitCode });
    if (c.request.autoRemove === true) {
      void this.removeAfterExit(id); // not awaited: remove takes the lock held here
      return;
    }
    if (applyPolicy) this.scheduleRestart({ ...c, state }, exitCode);
  }

  private scheduleRestart(c: StoredContainer, exitCode: number): void {
    const restart = shouldRestart({ policy: c.request.restartPolicy, exitCode, restartCount: c.restartCount, stoppedByUser: c.stoppedByUser });
    if (!restart || this.closing.signal.aborted) return;
    const live = this.liveOf(c.id);
    const ranMs = c.state.startedAt && c.state.finishedAt ? c.state.finishedAt.getTime() - c.state.startedAt.getTime() : 0;
    live.restartDelayMs = nextDelay(live.restartDelayMs, ranMs);
    this.setState(c.id, { ...c.state, status: 'restarting' });
    live.restartTimer = setTimeout(() => {
      live.restartTimer = undefined;
      void this.lock.run(c.id, () => this.restartNow(c.id)).catch(() => undefined);
    }, live.restartDelayMs);
  }

  /** Under the lock: the restart policy's turn came. */
  private async restartNow(id: string): Promise<void> {
    if (!this.store.has(id) || this.closing.signal.aborted) return;
    const c = this.store.get(id);
    if (c.state.status !== 'restarting') return;
    const restartCount = c.restartCount + 1;
    this.store.setRestartCount(id, restartCount);
    this.emit('restart', c);
    try {
      await this.launchLocked({ ...c, restartCount });
    } catch (err) {
      // A failed start counts as an exit for the policy, as it does for Docker.
      const failed = this.store.get(id);
      this.scheduleRestart({ ...failed, state: { ...failed.state, finishedAt: new Date() } }, (err as StartFailure).exitCode ?? 125);
    }
  }

  private async removeAfterExit(id: string): Promise<void> {
    try {
      await this.remove(id, { force: true, volumes: true });
    } catch {
      // already removed by someone else
    }
  }

  // ---- stop, kill, pause ----------------------------------------------------------------

  async stop(idOrName: string, options: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    const { id } = this.store.find(idOrName);
    const exited = await this.lock.run(id, async () => {
      const c = this.store.get(id);
      this.store.setStoppedByUser(id, true);
      if (c.state.status === 'restarting') {
        this.cancelRestart(id);
        this.setState(id, { ...c.state, status: 'exited' });
        return undefined;
      }
      if (c.state.status !== 'running' && c.state.status !== 'paused') return undefined;
      return { c, exit: this.signals.nextExit(id) };
    });
    if (exited === undefined) return;
    const { c, exit } = exited;
    const signal = options.signal ?? c.config.stopSignal;
    const timeout = options.timeoutSeconds ?? c.config.stopTimeoutSeconds;
    await this.signal(c, signal);
    const done = timeout < 0 ? await exit : await within(exit, timeout * 1000);
    if (done === undefined) {
      await this.signal(c, 'SIGKILL');
      await exit;
    }
    this.emit('stop', c);
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.store.find(idOrName);
    checkSignal(signal);
    if (c.state.status !== 'running' && c.state.status !== 'paused') {
      throw conflict(`Cannot kill container: ${c.id}: Container ${c.id} is not running`);
    }
    this.store.setStoppedByUser(c.id, true);
    await this.signal(c, signal);
  }

  /** Sends a signal; a paused container is thawed so that the signal is delivered. */
  private async signal(c: StoredContainer, signal: string): Promise<void> {
    this.emit('kill', c, { signal: signalName(signal) });
    try {
      await this.o.driver.kill(c.id, signal);
      const now = this.store.get(c.id);
      if (now.state.status === 'paused') {
        await this.o.driver.resume(c.id);
        this.setState(c.id, { ...now.state, status: 'running' });
      }
    } catch (err) {
      // It exited in the meantime: the monitor records that.
      if (this.store.get(c.id).state.status === 'running' && !/not running|stopped|does not exist/i.test(String(err))) throw err;
    }
  }

  async restart(idOrName: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.stop(idOrName, options);
    await this.start(idOrName);
    this.emit('restart', this.store.find(idOrName));
  }

  async pause(idOrName: string): Promise<void> {
    const { id } = this.store.find(idOrName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      if (c.state.status === 'paused') throw conflict(`Container ${id} is already paused`);
      if (c.state.status !== 'running') throw conflict(`Container ${id} is not running`);
      await this.o.driver.pause(id);
      this.setState(id, { ...c.state, status: 'paused' });
      this.emit('pause', c);
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { id } = this.store.find(idOrName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      if (c.state.status !== 'paused') throw conflict(`Container ${id} is not paused`);
      await this.o.driver.resume(id);
      this.setState(id, { ...c.state, status: 'running' });
      this.emit('unpause', c);
    });
  }

  // ---- rename, remove, wait ------------------------------------------------------------

  async rename(idOrName: string, newName: string): Promise<void> {
    const { id } = this.store.find(idOrName);
    const name = normalizeName(newName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      if (c.name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      this.store.rename(id, name);
      await this.o.network.renameContainer(id, c.name, name);
      this.emit('rename', { ...c, name }, { oldName: `/${c.name}` });
    });
  }

  async remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const { id } = this.store.find(idOrName);
    const running = await this.lock.run(id, async () => {
      const c = this.store.get(id);
      if (c.state.status === 'removing') throw conflict(`removal of container ${id} is already in progress`);
      if (c.state.status === 'restarting') this.cancelRestart(id);
      if (c.state.status === 'running' || c.state.status === 'paused') {
        if (options.force !== true) {
          throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
        }
        this.store.setStoppedByUser(id, true);
        return { c, exit: this.signals.nextExit(id) };
      }
      return undefined;
    });
    if (running !== undefined) {
      await this.signal(running.c, 'SIGKILL');
      await running.exit;
    }
    await this.lock.run(id, async () => {
      if (!this.store.has(id)) return;
      const c = this.store.get(id);
      if (c.state.status === 'running' || c.state.status === 'paused') {
        throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
      }
      this.cancelRestart(id);
      this.health.stop(id);
      this.setState(id, { ...c.state, status: 'removing' });
      try {
        await this.o.driver.delete(id, true).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        await this.unmountVolumes(c);
        await this.releaseNetworks(id);
        await this.o.snapshots.unmount(id).catch(() => undefined);
        await this.o.snapshots.removeActive(id).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        await rm(this.containerDir(id), { recursive: true, force: true });
      } catch (err) {
        this.setState(id, { ...c.state, status: 'dead', error: err instanceof Error ? err.message : String(err) });
        throw err;
      }
      this.store.delete(id);
      this.live.delete(id);
      this.execs.forget(id);
      if (options.volumes === true) await this.removeAnonymousVolumes(c.config.mounts ?? []);
      this.emit('destroy', c);
      this.signals.wasRemoved(id, { exitCode: c.state.exitCode });
    });
  }

  /** The container no longer uses its volumes' mounts (volumes with mount options are unmounted by their last user). */
  private async unmountVolumes(c: StoredContainer): Promise<void> {
    for (const m of c.config.mounts ?? []) {
      if (m.type === 'volume' && m.name !== undefined) await this.o.volumes.unmount(m.name, c.id).catch(() => undefined);
    }
  }

  /** `rm -v`: the container's anonymous volumes go too, unless another container still uses one. */
  private async removeAnonymousVolumes(mounts: readonly ContainerMount[]): Promise<void> {
    for (const m of mounts) {
      if (m.type !== 'volume' || m.anonymous !== true || m.name === undefined) continue;
      await this.o.volumes.remove(m.name).catch(() => undefined);
    }
  }

  async wait(idOrName: string, condition: WaitCondition = 'not-running'): Promise<{ exitCode: number; error?: string }> {
    const c = this.store.find(idOrName);
    const pending = condition === 'removed' ? this.signals.removed(c.id) : this.signals.nextExit(c.id);
    if (condition === 'not-running' && !ACTIVE.has(c.state.status)) return report(c.state);
    const result: ExitReport = await pending;
    return result.error === undefined || result.error === '' ? { exitCode: result.exitCode } : result;
  }

  // ---- networks ------------------------------------------------------------------------

  async connectNetwork(idOrName: string, network: string, settings: EndpointSettings = {}): Promise<void> {
    const { id } = this.store.find(idOrName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      const mode = parseNetworkMode(c.request.networkMode);
      const n = this.o.network.get(network);
      if (mode.kind !== 'networks' || n.driver !== 'bridge') {
        throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
      }
      const networks = { ...(c.request.networks ?? {}) };
      if (n.name in networks) throw conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
      networks[n.name] = { ...settings };
      if (c.state.status === 'running' || c.state.status === 'paused') {
        const identity = { id, name: c.name, hostname: c.config.hostname, ...(c.request.dns?.length ? { dns: c.request.dns } : {}) };
        await this.o.network.connect(identity, { network: n.id, ...settings }, c.state.pid);
        await writeEtcFiles(this.containerDir(id), etcOptions({ network: this.o.network }, { ...c, request: { ...c.request, networks } }, false, this.o.network.endpoints(id)));
      }
      this.store.setRequest(id, { ...c.request, networks });
      this.emitNetwork('connect', n, id);
    });
  }

  async disconnectNetwork(idOrName: string, network: string, _options: { force?: boolean } = {}): Promise<void> {
    const { id } = this.store.find(idOrName);
    await this.lock.run(id, async () => {
      const c = this.store.get(id);
      const n = this.o.network.get(network);
      const networks = { ...(c.request.networks ?? {}) };
      if (!(n.name in networks)) {
        if (n.driver !== 'bridge') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
        throw notFound(`container ${id} is not connected to network ${n.name}`);
      }
      delete networks[n.name];
      if (this.o.network.endpoints(id).some((e) => e.networkId === n.id)) {
        await this.o.network.disconnect(id, n.id);
        await writeEtcFiles(this.containerDir(id), etcOptions({ network: this.o.network }, { ...c, request: { ...c.request, networks } }, false, this.o.network.endpoints(id)));
      }
      this.store.setRequest(id, { ...c.request, networks });
      this.emitNetwork('disconnect', n, id);
    });
  }

  /** Releases the container's endpoints, with Docker's network disconnect events. */
  private async releaseNetworks(id: string): Promise<void> {
    const endpoints = this.o.network.endpoints(id);
    await this.o.network.release(id);
    for (const e of endpoints) this.emitNetwork('disconnect', { id: e.networkId, name: e.networkName }, id);
  }

  private exists(idOrName: string): boolean {
    try {
      this.store.find(idOrName);
      return true;
    } catch {
      return false;
    }
  }

  /** Network events as Docker sends them (type network, the container in the attributes). */
  private emitNetwork(action: string, n: { id: string; name: string }, containerId: string): void {
    this.events.emitTyped('network', action, n.id, { container: containerId, name: n.name, type: 'bridge' });
  }

  // ---- logs and stdio --------------------------------------------------------------------

  logs(idOrName: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const c = this.store.find(idOrName);
    const read = readOptions(options);
    if (options.follow === true && ACTIVE.has(c.state.status)) {
      read.follow = true;
      read.stopWhen = this.signals.nextExit(c.id);
    }
    return logLines(this.o.readLogs, this.logPath(c.id), read);
  }

  async attach(idOrName: string, options: { stdin: boolean }): Promise<AttachSession> {
    const c = this.store.find(idOrName);
    // An exited container may be attached to, as Docker's API allows: `start -a` attaches
    // first and starts after. Only `docker attach` (the CLI) refuses stopped containers.
    if (c.state.status === 'dead' || c.state.status === 'removing') {
      throw conflict('You cannot attach to a stopped container, start it first');
    }
    if (c.state.status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    const exited = this.signals.nextExit(c.id);
    const running = c.state.status === 'running' ? Promise.resolve() : this.whenRunning(c.id, exited);
    return attachSession({
      driver: this.o.driver,
      reader: this.o.readLogs,
      id: c.id,
      logPath: this.logPath(c.id),
      exited,
      running,
      stdin: options.stdin && c.config.openStdin,
      tty: c.config.tty,
    });
  }

  /** Resolves once the container runs; rejects if it exits or is removed first. */
  private whenRunning(id: string, exited: Promise<unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const off = this.events.on((e) => {
        if (e.id === id && e.action === 'start') {
          done = true;
          off();
          resolve();
        }
      });
      void exited.then(() => {
        off();
        if (!done) reject(failedPrecondition(`container ${id} exited before it could be attached to`));
      });
    });
  }

  async resize(idOrName: string, width: number, height: number): Promise<void> {
    const c = this.store.find(idOrName);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
    if (!c.config.tty) return;
    await this.o.driver.resize(c.id, width, height);
  }

  // ---- exec, stats, top, archive (the tools over a ContainerHandle) ----------------------

  async createExec(idOrName: string, request: ExecRequest): Promise<string> {
    return this.execs.create(this.store.find(idOrName), request);
  }

  startExec(execId: string): Promise<ExecSession> {
    return this.execs.start(execId);
  }

  async getExec(execId: string): Promise<ExecRecord> {
    return this.execs.get(execId);
  }

  resizeExec(execId: string, width: number, height: number): Promise<void> {
    return this.execs.resize(execId, width, height);
  }

  /**
   * One sample from the container's cgroup while it runs (or is paused). A container
   * without a process gets a zero sample read at Docker's zero time, as Docker answers a
   * one-shot stats request for a stopped container (an all-empty StatsJSON).
   */
  async stats(idOrName: string): Promise<StatsSample> {
    const c = this.store.find(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') return emptyStats();
    try {
      return await readStats(await this.handleOf(c));
    } catch (err) {
      if (errorKind(err) === 'conflict') return emptyStats(); // it exited meanwhile
      throw err;
    }
  }

  async top(idOrName: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }> {
    const c = this.store.find(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') throw notRunning(c.id);
    try {
      return await top(await this.handleOf(c), psArgs);
    } catch (err) {
      if (errorKind(err) === 'failed-precondition' && /not running/.test(String(err))) throw notRunning(c.id);
      throw err;
    }
  }

  async statPath(idOrName: string, containerPath: string): Promise<PathStat> {
    return this.archives.statPath(this.store.find(idOrName), containerPath, idOrName);
  }

  async getArchive(idOrName: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    return this.archives.getArchive(this.store.find(idOrName), containerPath, idOrName);
  }

  async putArchive(idOrName: string, containerPath: string, tar: Readable, options: { noOverwriteDirNonDir?: boolean } = {}): Promise<void> {
    return this.archives.putArchive(this.store.find(idOrName), containerPath, tar, idOrName, options);
  }

  withRootfs<T>(idOrName: string, use: (rootfs: string) => Promise<T>): Promise<T> {
    return this.archives.withMountedRootfs(this.store.find(idOrName), use);
  }

  /**
   * The container's changes to its image as a layer tar (what commit stores). A running
   * container is paused until the tar has been read, as `docker commit` does. The lock is
   * held until then, so the container cannot start, stop or be removed meanwhile.
   */
  async changes(idOrName: string): Promise<Readable> {
    const { id, state } = this.store.find(idOrName);
    if (state.status === 'restarting' || state.status === 'removing') throw conflict(`container ${id.slice(0, 12)} is ${state.status}: it cannot be committed now`);
    const pausedHere = state.status === 'running';
    if (pausedHere) await this.pause(id);
    return new Promise<Readable>((resolve, reject) => {
      void this.lock
        .run(id, async () => {
          const c = this.store.get(id);
          const { upper, parent } = this.o.snapshots.getActive(id);
          let diff: Readable;
          if (c.state.status === 'paused') {
            diff = diffUpperDir(upper, isMountPoint);
          } else if (ACTIVE.has(c.state.status)) {
            throw conflict(`container ${id.slice(0, 12)} is ${c.state.status}: it cannot be committed now`);
          } else {
            await dropMountPoints(upper, parent === undefined ? [] : this.o.snapshots.lowerDirs(parent));
            diff = diffUpperDir(upper);
          }
          resolve(diff);
          await finished(diff).catch(() => undefined);
        })
        .catch(reject)
        .finally(() => {
          if (pausedHere) void this.unpause(id).catch(() => undefined);
        });
    });
  }

  /** What the tools need of a container whose process runs. */
  private handleOf(c: StoredContainer): Promise<ContainerHandle> {
    return containerHandle(c, {
      runtime: this.o.driver.runtimeCli(),
      rootfsPath: this.o.snapshots.getActive(c.id).merged,
      bundlePath: this.containerDir(c.id),
    });
  }

  // ---- engine open and close -----------------------------------------------------------

  /** Picks up what an earlier engine left (see recoverContainers). */
  async recover(): Promise<void> {
    // Volumes with mount options stay mounted across a restart of the engine: count their
    // users again first, so that an exit recorded during recovery lets its volumes go.
    for (const c of this.store.list()) {
      if (!ACTIVE.has(c.state.status)) continue;
      for (const m of c.config.mounts ?? []) {
        if (m.type === 'volume' && m.name !== undefined) await this.o.volumes.mount(m.name, c.id).catch(() => undefined);
      }
    }
    await recoverContainers({
      store: this.store,
      lock: this.lock,
      driver: this.o.driver,
      watch: (id) => this.watch(id),
      recordExit: (id, exitCode) => this.recordExit(id, exitCode, false),
      restartPending: (id) => this.live.get(id)?.restartTimer !== undefined,
      start: (id) => this.start(id),
    });
  }

  /** Stops watching; containers keep running under conmon for the next engine. */
  close(): void {
    this.closing.abort();
    this.health.stopAll();
    for (const live of this.live.values()) clearTimeout(live.restartTimer);
  }

  // ---- small helpers -------------------------------------------------------------------

  /** Saves a state; a health monitor's live state wins over the one `state` was copied from. */
  private setState(id: string, state: ContainerState): void {
    const health = this.health.current(id);
    this.store.setState(id, health === undefined ? state : { ...state, health });
  }

  private liveOf(id: string): Live {
    let live = this.live.get(id);
    if (live === undefined) {
      live = { restartDelayMs: 0, monitoring: false };
      this.live.set(id, live);
    }
    return live;
  }

  private cancelRestart(id: string): void {
    const live = this.live.get(id);
    if (live?.restartTimer !== undefined) {
      clearTimeout(live.restartTimer);
      live.restartTimer = undefined;
    }
  }

  private toRecord(c: StoredContainer): ContainerRecord {
    const live = this.health.current(c.id);
    let rootfsPath = '';
    try {
      rootfsPath = this.o.snapshots.getActive(c.id).merged;
    } catch {
      // removed meanwhile
    }
    return {
      id: c.id,
      name: c.name,
      created: c.created,
      image: c.image,
      imageId: c.imageId,
      config: c.config,
      request: c.request,
      state: live === undefined ? c.state : { ...c.state, health: live },
      restartCount: c.restartCount,
      logPath: this.logPath(c.id),
      rootfsPath,
      execIds: this.execs.idsOf(c.id),
      ...this.networkView(c),
    };
  }

  /** The container's networks (live endpoints while it runs), published ports and /etc files. */
  private networkView(c: StoredContainer): Pick<ContainerRecord, 'networkMode' | 'networks' | 'ports' | 'etcFiles'> {
    const endpoints = this.o.network.endpoints(c.id);
    const mode = parseNetworkMode(c.request.networkMode);
    const networks = Object.entries(c.request.networks ?? {}).flatMap(([name, settings]) => {
      let networkId = '';
      try {
        networkId = this.o.network.get(name).id;
      } catch {
        // removed since
      }
      const e = endpoints.find((x) => x.networkId === networkId);
      return [
        {
          networkId,
          networkName: name,
          aliases: settings.aliases ?? [],
          ...(e === undefined ? {} : { endpoint: { endpointId: e.endpointId, ip: e.ip, prefixLength: e.prefixLength, gateway: e.gateway, mac: e.mac } }),
        },
      ];
    });
    const networkMode =
      mode.kind === 'networks' ? (c.request.networkMode === undefined || c.request.networkMode === 'default' || c.request.networkMode === '' ? 'bridge' : c.request.networkMode) : mode.kind === 'container' ? `container:${mode.target}` : mode.kind;
    const owner = mode.kind === 'container' && this.exists(mode.target) ? this.store.find(mode.target).id : c.id;
    return { networkMode, networks, ports: endpoints.flatMap((e) => e.ports), etcFiles: etcFilePaths(this.containerDir(owner)) };
  }

  private emit(action: string, c: Pick<StoredContainer, 'id' | 'name' | 'image' | 'config'>, extra: Record<string, string> = {}): void {
    this.events.emit(action, c.id, { ...c.config.labels, image: c.image, name: c.name, ...extra });
  }
}

function report(state: ContainerState): { exitCode: number; error?: string } {
  return state.error === '' ? { exitCode: state.exitCode } : { exitCode: state.exitCode, error: state.error };
}

/** The promise's value, or undefined when it takes longer than `ms`; leaves no timer behind. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
