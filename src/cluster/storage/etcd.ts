import { Etcd3, type ICompare, type IKeyValue, type IRangeRequest, type Watcher as EtcdWatcher } from 'etcd3';
import { alreadyExists, BerthError, conflict, gone, invalidArgument, notFound, unavailable } from '../../lib/index.js';
import { EventQueue } from './event-queue.js';
import { checkKey, checkRevision, prefixEnd, rangeStart } from './keys.js';
import type { DeleteResult, KeyValue, ListOptions, ListResult, Store, Watch, WatchEvent, WatchOptions } from './types.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** Deadline of each request (default 5 s). */
  timeoutMs?: number;
  /** Events buffered per watch before a slow consumer is cut off (default 10,000). */
  watchBuffer?: number;
}

const zero = Buffer.from([0]);
const key = (s: string): Buffer => Buffer.from(s);

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value ?? Buffer.alloc(0),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
  };
}

/** Our error kinds for what the etcd client throws. */
export function fromEtcdError(err: unknown, what: string): Error {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.constructor.name : '';
  if (message.includes('required revision has been compacted')) return gone(`${what}: revision compacted`, err);
  if (message.includes('required revision is a future revision')) return invalidArgument(`${what}: future revision`, err);
  if (
    name.startsWith('GRPC') ||
    ['BrokenCircuitError', 'ClientClosedError', 'EtcdWatchStreamEnded', 'TaskCancelledError'].includes(name) ||
    /etcdserver: (request timed out|leader changed|no leader|too many requests)/.test(message)
  ) {
    return unavailable(`${what}: etcd unavailable: ${message}`, err);
  }
  return err instanceof Error ? err : new Error(message);
}

/**
 * The store over an etcd cluster, with the mapping the Kubernetes API server uses:
 * create = txn(createRevision == 0 → put), update and delete = txn(modRevision == X → …),
 * pages = ranges at one revision starting just past the last key, watches with prevKv.
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly watchBuffer: number;
  private readonly watches = new Set<EventQueue<WatchEvent>>();

  constructor(options: EtcdStoreOptions) {
    const timeoutMs = options.timeoutMs ?? 5000;
    this.watchBuffer = options.watchBuffer ?? 10_000;
    this.client = new Etcd3({
      hosts: options.endpoints,
      dialTimeout: timeoutMs,
      // gRPC's default 4 MiB receive limit fails a range over a few thousand objects;
      // etcd's own Go client lifts it to the maximum, and so do we.
      grpcOptions: { 'grpc.max_receive_message_length': 2 ** 31 - 1 },
      // A deadline for every unary call; watch streams live as long as they are wanted.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    });
  }

  async get(k: string): Promise<KeyValue | undefined> {
    checkKey(k);
    const res = await this.call('get', () => this.client.kv.range({ key: key(k) }));
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async list(options: ListOptions): Promise<ListResult> {
    checkRevision('revision', options.revision);
    checkRevision('limit', options.limit);
    const res = await this.call('list', () =>
      this.client.kv.range({
        ...this.range(rangeStart(options.prefix, options.continueAfterKey), options.prefix),
        limit: options.limit ?? 0,
        revision: options.revision ?? 0,
      }),
    );
    return {
      items: res.kvs.map(toKeyValue),
      revision: options.revision || Number(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call('count', () => this.client.kv.range({ ...this.range(prefix, prefix), count_only: true }));
    return Number(res.count);
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('revision', () => this.client.kv.range({ key: zero, count_only: true }));
    return Number(res.header.revision);
  }

  async create(k: string, value: Buffer): Promise<number> {
    checkKey(k);
    const res = await this.call('create', () =>
      this.client.kv.txn({
        compare: [{ key: key(k), target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: key(k), value } }],
      }),
    );
    if (!res.succeeded) throw alreadyExists(`key ${k} already exists`);
    return Number(res.header.revision);
  }

  async update(k: string, value: Buffer, expectedModRevision?: number): Promise<number> {
    checkKey(k);
    const res = await this.call('update', () =>
      this.client.kv.txn({
        compare: this.preconditions(k, expectedModRevision),
        success: [{ request_put: { key: key(k), value } }],
        failure: [{ request_range: { key: key(k) } }],
      }),
    );
    if (!res.succeeded) throw this.preconditionFailure(k, res.responses[0]?.response_range.kvs[0], expectedModRevision);
    return Number(res.header.revision);
  }

  async delete(k: string, expectedModRevision?: number): Promise<DeleteResult> {
    checkKey(k);
    const res = await this.call('delete', () =>
      this.client.kv.txn({
        compare: this.preconditions(k, expectedModRevision),
        success: [{ request_delete_range: { key: key(k), prev_kv: true } }],
        failure: [{ request_range: { key: key(k) } }],
      }),
    );
    if (!res.succeeded) throw this.preconditionFailure(k, res.responses[0]?.response_range.kvs[0], expectedModRevision);
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) throw notFound(`key ${k} not found`);
    return { revision: Number(res.header.revision), prev: toKeyValue(prev) };
  }

  watch(options: WatchOptions): Watch {
    checkRevision('fromRevision', options.fromRevision);
    let watcher: EtcdWatcher | undefined;
    const queue = new EventQueue<WatchEvent>({
      limit: options.maxBuffered ?? this.watchBuffer,
      onStop: () => {
        this.watches.delete(queue);
        void watcher?.cancel().catch(() => undefined);
      },
    });
    this.watches.add(queue);
    void this.startWatch(options, queue).then(
      (w) => {
        watcher = w;
        if (queue.isStopped) void w?.cancel().catch(() => undefined);
      },
      (err: unknown) => queue.fail(fromEtcdError(err, 'watch')),
    );
    return { close: () => queue.close(), [Symbol.asyncIterator]: () => queue };
  }

  async compact(revision: number): Promise<void> {
    checkRevision('revision', revision);
    try {
      await this.call('compact', () => this.client.kv.compact({ revision, physical: true }));
    } catch (err) {
      // At or below the compact revision there is nothing to do, as in the SQLite store.
      if (!(err instanceof BerthError && err.kind === 'gone')) throw err;
    }
  }

  async close(): Promise<void> {
    for (const queue of [...this.watches]) queue.fail(unavailable('storage closed'));
    this.client.close();
  }

  private async startWatch(options: WatchOptions, queue: EventQueue<WatchEvent>): Promise<EtcdWatcher | undefined> {
    // etcd would still replay from compactRevision - 1; our rule is that a watch from R
    // is valid exactly when a read at R is, so ask that first.
    if (options.fromRevision > 0) {
      await this.list({ prefix: options.prefix, revision: options.fromRevision, limit: 1 }).catch((err: unknown) => {
        if (!(err instanceof BerthError && err.kind === 'invalid-argument')) throw err; // a future revision is fine
      });
    }
    if (queue.isStopped) return undefined;
    const watcher = this.client
      .watch()
      .prefix(options.prefix)
      .startRevision(String(options.fromRevision + 1))
      .withPreviousKV()
      .watcher();
    watcher.on('data', (res) => {
      for (const ev of res.events) {
        const event: WatchEvent = {
          type: ev.type === 'Delete' ? 'DELETE' : 'PUT',
          key: ev.kv.key.toString(),
          value: ev.type === 'Delete' ? Buffer.alloc(0) : (ev.kv.value ?? Buffer.alloc(0)),
          modRevision: Number(ev.kv.mod_revision),
          createRevision: Number(ev.type === 'Delete' ? (ev.prev_kv?.create_revision ?? 0) : ev.kv.create_revision),
        };
        if (ev.prev_kv) event.prevValue = ev.prev_kv.value ?? Buffer.alloc(0);
        if (!queue.push(event)) return;
      }
    });
    // etcd ends a watch whose start was compacted with an empty cancel reason.
    watcher.on('error', (err) =>
      queue.fail(/canceled: *$|compact/.test(err.message) ? gone('watch: revision compacted', err) : fromEtcdError(err, 'watch')),
    );
    // The client would reconnect and resume on its own, but from the last response's
    // header revision, which can skip events of a batched replay. End the watch instead:
    // the caller resumes from the last event it saw, as it does after any watch error.
    watcher.on('disconnected', (err) => queue.fail(unavailable(`watch: etcd connection lost: ${err.message}`, err)));
    return watcher;
  }

  private range(start: string, prefix: string): Pick<IRangeRequest, 'key' | 'range_end'> {
    const end = prefixEnd(prefix);
    // An empty start means every key: etcd spells that key = range_end = "\0".
    return { key: start === '' ? zero : key(start), range_end: end === undefined ? zero : key(end) };
  }

  private preconditions(k: string, expectedModRevision: number | undefined): ICompare[] {
    const compare: ICompare[] = [{ key: key(k), target: 'Create', result: 'Greater', create_revision: 0 }];
    if (expectedModRevision !== undefined) {
      compare.push({ key: key(k), target: 'Mod', result: 'Equal', mod_revision: expectedModRevision });
    }
    return compare;
  }

  private preconditionFailure(k: string, current: IKeyValue | undefined, expected: number | undefined): BerthError {
    if (!current) return notFound(`key ${k} not found`);
    return conflict(`key ${k} was modified at revision ${current.mod_revision}, expected ${expected}`);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fromEtcdError(err, what);
    }
  }
}

export async function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  return new EtcdStore(options);
}
