import { unavailable } from '../../lib/index.js';

export interface EventQueueOptions {
  /** Items buffered for the consumer before the queue fails as too slow. */
  limit: number;
  /** Called once when the queue stops for any reason (close, failure, overflow). */
  onStop?: () => void;
  /** Called when the consumer finds the buffer empty; may push items (pull-based catch-up).
   * Returns false once it has nothing more to pull and producers push instead. */
  refill?: () => boolean;
}

/**
 * A watch's buffer between a producer that must never block (the store's writers, an etcd
 * stream) and one async consumer. Past `limit` buffered items the queue fails with
 * 'unavailable': what was buffered is still delivered, then the error, so the consumer can
 * resume from the last item it saw.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private stopped = false;
  private failure: Error | undefined;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;
  private refill: (() => boolean) | undefined;

  constructor(private readonly options: EventQueueOptions) {
    this.refill = options.refill;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Adds an item; false if the queue has stopped or just overflowed. */
  push(item: T): boolean {
    if (this.stopped) return false;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.size >= this.options.limit) {
      this.fail(unavailable(`watch consumer too slow: more than ${this.options.limit} events buffered`));
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Ends the stream with an error after the buffered items. */
  fail(err: Error): void {
    if (this.stopped) return;
    this.failure = err;
    this.stop();
    this.settleWaiter();
  }

  /** Ends the stream now, dropping what is buffered (the consumer's close). */
  close(): void {
    this.items = [];
    this.head = 0;
    this.failure = undefined;
    if (!this.stopped) this.stop();
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size === 0 && this.refill && !this.stopped) {
      if (!this.refill()) this.refill = undefined;
    }
    if (this.size > 0) return Promise.resolve({ value: this.shift(), done: false });
    if (this.stopped) {
      const failure = this.failure;
      this.failure = undefined;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('EventQueue supports one pending next() at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private stop(): void {
    this.stopped = true;
    this.refill = undefined;
    this.options.onStop?.();
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter || this.size > 0) return;
    this.waiter = undefined;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) waiter.reject(failure);
    else waiter.resolve({ value: undefined, done: true });
  }

  private shift(): T {
    const item = this.items[this.head] as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
