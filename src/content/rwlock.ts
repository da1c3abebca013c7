/** Runs `fn` while holding some lock; what ImageStore and LeaseManager wrap their mutations in. */
export type Guard = <T>(fn: () => T | Promise<T>) => Promise<T>;

/** A guard that holds nothing (stores used on their own, in tests or tools). */
export const noGuard: Guard = async (fn) => fn();

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

/**
 * An in-process async readers–writer lock, granted in arrival order: a waiting exclusive
 * holder (GC) is not starved by a stream of shared holders (reference-adding mutations),
 * and shared holders that arrive after it wait for it. Not reentrant: never take it
 * while holding it.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Waiter[] = [];

  readonly shared: Guard = (fn) => this.run(false, fn);
  readonly exclusive: Guard = (fn) => this.run(true, fn);

  private async run<T>(exclusive: boolean, fn: () => T | Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.release(exclusive);
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.canGrant(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push({
        exclusive,
        grant: () => {
          this.take(exclusive);
          resolve();
        },
      });
    });
  }

  private canGrant(exclusive: boolean): boolean {
    return exclusive ? !this.writer && this.readers === 0 : !this.writer;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.writer = true;
    else this.readers += 1;
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.writer = false;
    else this.readers -= 1;
    for (let next = this.waiting[0]; next && this.canGrant(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      next.grant();
    }
  }
}
