import { Worker } from 'node:worker_threads';
import { BerthError, unavailable } from '../../lib/index.js';
import type { WriteOp, WriteOutcome } from './sqlite-ops.js';

export type ToWriter =
  | { type: 'writes'; id: number; writes: WriteOp[] }
  | { type: 'compact'; id: number; from: number; to: number }
  | { type: 'close'; id: number };

export type FromWriter =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes?: WriteOutcome[] }
  | { type: 'failed'; id: number; message: string; code: string | undefined };

interface Queued {
  write: WriteOp;
  resolve: (outcome: WriteOutcome) => void;
  reject: (err: Error) => void;
}

interface Call {
  resolve: (outcomes: WriteOutcome[] | undefined) => void;
  reject: (err: Error) => void;
}

/**
 * The write with its value copied into an ArrayBuffer of its own, to be moved to the
 * thread: a small Buffer is a view into Node's shared 8 KiB pool, which posting it would
 * copy whole (and transferring would take from every other Buffer in it).
 */
function ownBytes(write: WriteOp): WriteOp {
  return 'value' in write ? { ...write, value: new Uint8Array(write.value) } : write;
}

/** An error of the writer thread, rebuilt on this side with SQLite's code. */
function writerError(message: string, code: string | undefined): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

/**
 * Group commit through a writer thread that owns the write connection. Writes queue here;
 * whenever no group is in flight, the queue (everything that arrived in this turn of the
 * event loop, or while the last group was committing) goes to the thread as one group and
 * one transaction. A write's promise settles only when its group's COMMIT has returned,
 * i.e. once it is durable; if the COMMIT fails, every write of the group fails. Groups are
 * sent one at a time, so revisions follow the order in which writes were queued.
 */
export class SqliteWriter {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private failure: Error | undefined;
  private idle: (() => void)[] = [];

  private constructor(
    private readonly worker: Worker,
    /** Called after each group that committed, before its writes are acknowledged. */
    private readonly onCommit: () => void,
  ) {
    worker.on('message', (message: FromWriter) => this.receive(message));
    worker.on('error', (err) => this.fail(unavailable(`storage writer failed: ${err.message}`, err)));
    worker.on('exit', () => this.fail(unavailable('storage writer exited')));
    worker.unref();
  }

  static start(path: string, onCommit: () => void): Promise<SqliteWriter> {
    const worker = new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: { path } });
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => reject(err);
      worker.once('error', failed);
      worker.once('message', (message: FromWriter) => {
        worker.off('error', failed);
        if (message.type === 'ready') resolve(new SqliteWriter(worker, onCommit));
        else reject(new Error(`storage writer: unexpected first message ${message.type}`));
      });
    });
  }

  /** Queues a write for the next group. */
  submit(write: WriteOp): Promise<WriteOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.schedule();
    });
  }

  /** Runs one compaction step on the writer's connection, between groups. */
  async compact(from: number, to: number): Promise<void> {
    await this.call({ type: 'compact', id: 0, from, to });
  }

  /** Commits what is queued, then closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    await this.drained();
    if (!this.failure) await this.call({ type: 'close', id: 0 });
    await this.worker.terminate();
  }

  /** Resolves once nothing is queued or in flight. */
  private drained(): Promise<void> {
    if (this.calls.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    // Writes arriving in this turn join the group; while one is in flight they wait for it.
    if (this.calls.size > 0 || this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.send();
    });
  }

  private send(): void {
    if (this.calls.size > 0 || this.queue.length === 0) return;
    const group = this.queue;
    this.queue = [];
    const writes = group.map((q) => ownBytes(q.write));
    const transfer = writes.flatMap((w) => ('value' in w ? [w.value.buffer as ArrayBuffer] : []));
    this.call({ type: 'writes', id: 0, writes }, transfer).then(
      (outcomes) => {
        this.onCommit();
        group.forEach((q, i) => {
          const outcome = outcomes?.[i];
          if (outcome) q.resolve(outcome);
          else q.reject(new Error('storage writer: missing outcome'));
        });
      },
      (err: Error) => {
        for (const q of group) q.reject(err);
      },
    );
  }

  private call(message: ToWriter, transfer: ArrayBuffer[] = []): Promise<WriteOutcome[] | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private receive(message: FromWriter): void {
    if (message.type === 'ready') return;
    const call = this.calls.get(message.id);
    this.calls.delete(message.id);
    this.settled();
    if (message.type === 'done') call?.resolve(message.outcomes);
    else call?.reject(writerError(message.message, message.code));
  }

  /** A call is over: what queued meanwhile goes out now as the next group, or the thread may idle. */
  private settled(): void {
    if (this.calls.size > 0) return;
    if (this.queue.length > 0) {
      this.send();
      return;
    }
    this.worker.unref();
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }

  private fail(err: BerthError): void {
    if (this.failure) return;
    this.failure = err;
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    for (const q of this.queue) q.reject(err);
    this.queue = [];
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
