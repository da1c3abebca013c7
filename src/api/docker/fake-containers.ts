import { PassThrough, Readable } from 'node:stream';
import type {
  AttachSession,
  ContainerCreateRequest,
  ContainerEvent,
  ContainerRecord,
  ContainerService,
  ExecRecord,
  ExecRequest,
  ExecSession,
  LogLine,
  LogOptions,
  PathStat,
  StatsSample,
  WaitCondition,
} from '../../engine/index.js';
import { conflict, notFound } from '../../lib/index.js';

/** Test double for the engine's ContainerService: state in memory, output pushed by the test. */

/** An async iterable fed by hand. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  push(item: T): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export interface FakeAttach {
  output: AsyncQueue<LogLine>;
  stdin: PassThrough;
  stdinText(): string;
  closed: boolean;
}

export interface FakeExec {
  record: ExecRecord;
  output: AsyncQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>;
  stdin: PassThrough;
  stdinText(): string;
  exit(code: number): void;
}

const hex = (n: number): string => n.toString(16).padStart(64, '0');
const IMAGE_ID = `sha256:${'ab'.repeat(32)}` as const;

export class FakeContainers implements ContainerService {
  readonly records = new Map<string, ContainerRecord>();
  readonly attaches: FakeAttach[] = [];
  readonly execs = new Map<string, FakeExec>();
  readonly calls: Array<[string, ...unknown[]]> = [];
  logLines: LogLine[] = [];
  lastLogOptions: LogOptions | undefined;
  lastCreate: ContainerCreateRequest | undefined;
  images = new Set(['busybox']);
  private readonly waiters: Array<{ id: string; resolve: (r: { exitCode: number }) => void }> = [];
  private readonly listeners = new Set<(event: ContainerEvent) => void>();
  private statsCounter = 0;
  private next = 1;

  async create(request: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    this.lastCreate = request;
    if (!this.images.has(request.image)) throw notFound(`No such image: ${request.image}`);
    const id = hex(this.next++);
    const name = request.name ?? `fake_${id.slice(-4)}`;
    const existing = [...this.records.values()].find((r) => r.name === name);
    if (existing) {
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${existing.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const cmd = request.cmd ?? ['sh'];
    this.records.set(id, {
      id,
      name,
      created: new Date(Date.now() - 5000),
      image: request.image,
      imageId: IMAGE_ID,
      config: {
        path: cmd[0] ?? 'sh',
        args: cmd.slice(1),
        env: request.env ?? ['PATH=/bin'],
        workingDir: request.workingDir ?? '/',
        user: request.user ?? '',
        hostname: id.slice(0, 12),
        tty: request.tty ?? false,
        openStdin: request.openStdin ?? false,
        stdinOnce: request.stdinOnce ?? false,
        labels: request.labels ?? {},
        stopSignal: request.stopSignal ?? 'SIGTERM',
        stopTimeoutSeconds: request.stopTimeoutSeconds ?? 10,
        entrypoint: request.entrypoint ?? [],
        cmd,
      },
      request,
      state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false },
      restartCount: 0,
      logPath: `/var/lib/berth/containers/${id}/ctr.log`,
      rootfsPath: `/var/lib/berth/containers/${id}/rootfs`,
      networkMode: request.networkMode ?? 'bridge',
      networks: [],
      ports: [],
      etcFiles: {
        hosts: `/var/lib/berth/containers/${id}/hosts`,
        hostname: `/var/lib/berth/containers/${id}/hostname`,
        resolvConf: `/var/lib/berth/containers/${id}/resolv.conf`,
      },
    });
    this.emit(id, 'create');
    return { id, warnings: [] };
  }

  async get(idOrName: string): Promise<ContainerRecord> {
    const found =
      this.records.get(idOrName) ??
      [...this.records.values()].find((r) => r.name === idOrName || (idOrName.length > 0 && r.id.startsWith(idOrName)));
    if (!found) throw notFound(`No such container: ${idOrName}`);
    return found;
  }

  emit(id: string, action: string, time = new Date()): void {
    const record = this.records.get(id);
    const event: ContainerEvent = {
      type: 'container',
      action,
      id,
      attributes: { name: record?.name ?? '', image: record?.image ?? '' },
      time,
    };
    for (const listener of this.listeners) listener(event);
  }

  /** The container's process ends with `code`. */
  exit(id: string, code: number): void {
    const record = this.records.get(id);
    if (record) record.state = { ...record.state, status: 'exited', exitCode: code, pid: 0, finishedAt: new Date() };
    for (const w of this.waiters.filter((w) => w.id === id)) w.resolve({ exitCode: code });
    for (const a of this.attaches) a.output.end();
  }

  async start(idOrName: string): Promise<void> {
    const r = await this.get(idOrName);
    this.calls.push(['start', r.id]);
    r.state = { ...r.state, status: 'running', pid: 4242, startedAt: new Date(Date.now() - 3000) };
  }

  async stop(idOrName: string, options?: { timeoutSeconds?: number; signal?: string }): Promise<void> {
    const r = await this.get(idOrName);
    this.calls.push(['stop', r.id, options]);
    this.exit(r.id, 143);
  }

  async kill(idOrName: string, signal?: string): Promise<void> {
    const r = await this.get(idOrName);
    this.calls.push(['kill', r.id, signal]);
  }

  async restart(idOrName: string, options?: { timeoutSeconds?: number }): Promise<void> {
    this.calls.push(['restart', (await this.get(idOrName)).id, options]);
  }

  async pause(idOrName: string): Promise<void> {
    (await this.get(idOrName)).state.status = 'paused';
  }

  async unpause(idOrName: string): Promise<void> {
    (await this.get(idOrName)).state.status = 'running';
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    (await this.get(idOrName)).name = newName;
  }

  async remove(idOrName: string, options?: { force?: boolean }): Promise<void> {
    const r = await this.get(idOrName);
    this.calls.push(['remove', r.id, options]);
    this.records.delete(r.id);
  }

  async list(options?: { all?: boolean }): Promise<ContainerRecord[]> {
    const all = [...this.records.values()];
    return options?.all ? all : all.filter((r) => r.state.status === 'running' || r.state.status === 'paused');
  }

  wait(idOrName: string, condition?: WaitCondition): Promise<{ exitCode: number; error?: string }> {
    return this.get(idOrName).then((r) => {
      this.calls.push(['wait', r.id, condition]);
      return new Promise((resolve) => this.waiters.push({ id: r.id, resolve }));
    });
  }

  logs(idOrName: string, options?: LogOptions): AsyncIterable<LogLine> {
    this.lastLogOptions = options;
    let lines = this.logLines.filter((l) => (l.stream === 'stdout' ? options?.stdout : options?.stderr));
    if (options?.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - options.tail));
    void idOrName;
    return Readable.from(lines);
  }

  async attach(idOrName: string, options: { stdin: boolean }): Promise<AttachSession> {
    await this.get(idOrName);
    const stdin = new PassThrough();
    let text = '';
    stdin.on('data', (c: Buffer) => (text += c.toString()));
    const fake: FakeAttach = { output: new AsyncQueue<LogLine>(), stdin, stdinText: () => text, closed: false };
    this.attaches.push(fake);
    return {
      output: fake.output,
      ...(options.stdin ? { stdin } : {}),
      close: () => {
        fake.closed = true;
      },
    };
  }

  async resize(idOrName: string, width: number, height: number): Promise<void> {
    this.calls.push(['resize', (await this.get(idOrName)).id, width, height]);
  }

  async createExec(idOrName: string, request: ExecRequest): Promise<string> {
    const r = await this.get(idOrName);
    const id = `exec${this.next++}`;
    const stdin = new PassThrough();
    let text = '';
    stdin.on('data', (c: Buffer) => (text += c.toString()));
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    const record: ExecRecord = { id, containerId: r.id, request, running: false, exitCode: null, pid: 0 };
    const output = new AsyncQueue<{ stream: 'stdout' | 'stderr'; data: Buffer }>();
    this.execs.set(id, {
      record,
      output,
      stdin,
      stdinText: () => text,
      exit: (code) => {
        output.end();
        // The exit code settles a moment after the output ends, as with a real process.
        setTimeout(() => {
          record.running = false;
          record.exitCode = code;
          exit(code);
        }, 30);
      },
    });
    this.execSessions.set(id, { output, stdin, exited });
    return id;
  }

  private readonly execSessions = new Map<string, ExecSession>();

  async startExec(execId: string): Promise<ExecSession> {
    const session = this.execSessions.get(execId);
    const exec = this.execs.get(execId);
    if (!session || !exec) throw notFound(`No such exec instance: ${execId}`);
    exec.record.running = true;
    exec.record.pid = 777;
    return session;
  }

  async getExec(execId: string): Promise<ExecRecord> {
    const exec = this.execs.get(execId);
    if (!exec) throw notFound(`No such exec instance: ${execId}`);
    return exec.record;
  }

  async resizeExec(execId: string, width: number, height: number): Promise<void> {
    await this.getExec(execId);
    this.calls.push(['resizeExec', execId, width, height]);
  }

  async stats(idOrName: string): Promise<StatsSample> {
    await this.get(idOrName);
    const n = ++this.statsCounter;
    return {
      read: new Date(),
      cpuTotalNs: n * 1_000_000,
      systemCpuNs: n * 10_000_000,
      onlineCpus: 2,
      memoryUsage: 1000 * n,
      memoryLimit: 1 << 30,
      memoryCache: 10,
      pids: 3,
      pidsLimit: 100,
    };
  }

  async top(idOrName: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }> {
    await this.get(idOrName);
    return { titles: ['PID', 'CMD', psArgs ?? ''], processes: [['1', 'sh', '']] };
  }

  async statPath(idOrName: string, path: string): Promise<PathStat> {
    await this.get(idOrName);
    if (path !== '/etc') throw notFound(`Could not find the file ${path} in container ${idOrName}`);
    return { name: 'etc', size: 4096, mode: 0o040755, mtime: new Date('2024-05-01T10:00:00Z'), linkTarget: '' };
  }

  async getArchive(idOrName: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return { stat: await this.statPath(idOrName, path), tar: Readable.from([Buffer.from('tar-bytes')]) };
  }

  async putArchive(idOrName: string, path: string, tar: Readable, options?: { noOverwriteDirNonDir?: boolean }): Promise<void> {
    await this.get(idOrName);
    const chunks: Buffer[] = [];
    for await (const c of tar) chunks.push(c as Buffer);
    this.calls.push(['putArchive', path, Buffer.concat(chunks).toString(), options]);
  }

  async withRootfs<T>(idOrName: string, use: (rootfs: string) => Promise<T>): Promise<T> {
    await this.get(idOrName);
    return use('/nonexistent');
  }

  async changes(idOrName: string): Promise<Readable> {
    await this.get(idOrName);
    this.calls.push(['changes', idOrName]);
    return Readable.from([Buffer.from('layer-bytes')]);
  }

  async connectNetwork(idOrName: string, network: string): Promise<void> {
    this.calls.push(['connectNetwork', idOrName, network]);
  }

  async disconnectNetwork(idOrName: string, network: string): Promise<void> {
    this.calls.push(['disconnectNetwork', idOrName, network]);
  }

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
