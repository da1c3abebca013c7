import { watch, type FSWatcher } from 'node:fs';

/**
 * Wakes a waiter when something under `path` changes, or after `pollMs` at the latest:
 * fs.watch is fast but not guaranteed (some file systems never report, and a watched
 * file replaced by rename stops reporting), so every wait is also a poll.
 */
export class ChangeNotifier {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private changed = false;

  constructor(
    path: string,
    private readonly pollMs = 250,
  ) {
    try {
      this.watcher = watch(path, { persistent: false }, () => this.notify());
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      this.watcher = undefined;
    }
  }

  /** Resolves on the next change (or one noticed since the last call), a poll tick or abort. */
  next(signal?: AbortSignal): Promise<void> {
    if (this.changed || signal?.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.closeWatcher();
    this.wake?.();
  }

  private notify(): void {
    this.changed = true;
    this.wake?.();
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
