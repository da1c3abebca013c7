import type { Readable } from 'node:stream';
import type {
  AttachSession,
  ContainerCreateRequest,
  ContainerEvent,
  ContainerRecord,
  ContainerService,
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

/**
 * A ContainerService opened on its first call: every method waits for `open` (called
 * once), then delegates. Event listeners given before then are attached when it opens;
 * until then there are no containers running under this engine to report on.
 */
export class LazyContainerService implements ContainerService {
  private opened: Promise<ContainerService> | undefined;
  /** Listeners, with how to detach each from the opened service once attached. */
  private readonly listeners = new Map<(event: ContainerEvent) => void, (() => void) | undefined>();

  constructor(private readonly open: () => Promise<ContainerService>) {}

  private ready(): Promise<ContainerService> {
    this.opened ??= this.open().then((service) => {
      for (const listener of this.listeners.keys()) this.listeners.set(listener, service.onEvent(listener));
      return service;
    });
    return this.opened;
  }

  async create(request: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    return (await this.ready()).create(request);
  }
  async start(idOrName: string): Promise<void> {
    return (await this.ready()).start(idOrName);
  }
  async stop(idOrName: string, options?: { timeoutSeconds?: number; signal?: string }): Promise<void> {
    return (await this.ready()).stop(idOrName, options);
  }
  async kill(idOrName: string, signal?: string): Promise<void> {
    return (await this.ready()).kill(idOrName, signal);
  }
  async restart(idOrName: string, options?: { timeoutSeconds?: number }): Promise<void> {
    return (await this.ready()).restart(idOrName, options);
  }
  async pause(idOrName: string): Promise<void> {
    return (await this.ready()).pause(idOrName);
  }
  async unpause(idOrName: string): Promise<void> {
    return (await this.ready()).unpause(idOrName);
  }
  async rename(idOrName: string, newName: string): Promise<void> {
    return (await this.ready()).rename(idOrName, newName);
  }
  async remove(idOrName: string, options?: { force?: boolean }): Promise<void> {
    return (await this.ready()).remove(idOrName, options);
  }
  async connectNetwork(idOrName: string, network: string, settings?: EndpointSettings): Promise<void> {
    return (await this.ready()).connectNetwork(idOrName, network, settings);
  }
  async disconnectNetwork(idOrName: string, network: string, options?: { force?: boolean }): Promise<void> {
    return (await this.ready()).disconnectNetwork(idOrName, network, options);
  }
  async withRootfs<T>(idOrName: string, use: (rootfs: string) => Promise<T>): Promise<T> {
    return (await this.ready()).withRootfs(idOrName, use);
  }
  async changes(idOrName: string): Promise<Readable> {
    return (await this.ready()).changes(idOrName);
  }
  async list(options?: { all?: boolean }): Promise<ContainerRecord[]> {
    return (await this.ready()).list(options);
  }
  async get(idOrName: string): Promise<ContainerRecord> {
    return (await this.ready()).get(idOrName);
  }
  async wait(idOrName: string, condition?: WaitCondition): Promise<{ exitCode: number; error?: string }> {
    return (await this.ready()).wait(idOrName, condition);
  }
  async *logs(idOrName: string, options?: LogOptions): AsyncIterable<LogLine> {
    yield* (await this.ready()).logs(idOrName, options);
  }
  async attach(idOrName: string, options: { stdin: boolean }): Promise<AttachSession> {
    return (await this.ready()).attach(idOrName, options);
  }
  async resize(idOrName: string, width: number, height: number): Promise<void> {
    return (await this.ready()).resize(idOrName, width, height);
  }
  async createExec(idOrName: string, request: ExecRequest): Promise<string> {
    return (await this.ready()).createExec(idOrName, request);
  }
  async startExec(execId: string): Promise<ExecSession> {
    return (await this.ready()).startExec(execId);
  }
  async getExec(execId: string): Promise<ExecRecord> {
    return (await this.ready()).getExec(execId);
  }
  async resizeExec(execId: string, width: number, height: number): Promise<void> {
    return (await this.ready()).resizeExec(execId, width, height);
  }
  async stats(idOrName: string): Promise<StatsSample> {
    return (await this.ready()).stats(idOrName);
  }
  async top(idOrName: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }> {
    return (await this.ready()).top(idOrName, psArgs);
  }
  async statPath(idOrName: string, path: string): Promise<PathStat> {
    return (await this.ready()).statPath(idOrName, path);
  }
  async getArchive(idOrName: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return (await this.ready()).getArchive(idOrName, path);
  }
  async putArchive(idOrName: string, path: string, tar: Readable, options?: { noOverwriteDirNonDir?: boolean }): Promise<void> {
    return (await this.ready()).putArchive(idOrName, path, tar, options);
  }

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.set(listener, undefined);
    const opened = this.opened;
    if (opened) {
      void opened.then(
        (service) => {
          if (this.listeners.has(listener)) this.listeners.set(listener, service.onEvent(listener));
        },
        () => undefined,
      );
    }
    return () => {
      this.listeners.get(listener)?.();
      this.listeners.delete(listener);
    };
  }
}
