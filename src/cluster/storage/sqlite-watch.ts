import { gone, unavailable } from '../../lib/index.js';
import { EventQueue } from './event-queue.js';
import { prefixEnd } from './keys.js';
import type { KeyRange, LogRow, SqliteLog } from './sqlite-log.js';
import type { Watch, WatchEvent } from './types.js';

const pageSize = 500;

export function rowToEvent(row: LogRow): WatchEvent {
  const event: WatchEvent = {
    type: row.deleted ? 'DELETE' : 'PUT',
    key: row.name,
    value: row.deleted ? Buffer.alloc(0) : (row.value ?? Buffer.alloc(0)),
    modRevision: row.id,
    createRevision: row.create_revision,
  };
  if (!row.created && row.old_value) event.prevValue = row.old_value;
  return event;
}

interface Subscriber {
  prefix: string;
  range: KeyRange;
  /** Last revision whose events were handed to the queue. */
  cursor: number;
  queue: EventQueue<WatchEvent>;
}

/**
 * Feeds watches from the log. Writers call notify() after each commit; on the next turn
 * of the event loop the hub reads the new rows once and pushes them to every live
 * subscriber (so writes are never held up by watchers, and a burst of commits costs one
 * read). A watch that starts behind the hub's cursor first catches up by pulling pages of
 * history itself, as fast as its consumer reads, and joins the live set when it reaches
 * the cursor. The cursor moves only in dispatch(), on this thread, so no commit can slip
 * between a catch-up read and joining the live set; each batch of reads runs on one
 * snapshot, so the writer thread's commits (or compactions) cannot land between them.
 */
export class WatchHub {
  private cursor: number;
  private readonly live = new Set<Subscriber>();
  private readonly all = new Set<Subscriber>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly log: SqliteLog,
    private readonly defaultLimit: number,
  ) {
    this.cursor = log.currentRevision();
  }

  /** Called after each commit. */
  notify(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.dispatch();
    });
  }

  /** Hands every committed row to the live subscribers (also before compaction). */
  dispatch(): void {
    this.log.read(() => this.dispatchSnapshot());
  }

  private dispatchSnapshot(): void {
    const current = this.log.currentRevision();
    if (this.live.size === 0) {
      this.cursor = current;
      return;
    }
    const everything: KeyRange = { start: '', end: undefined };
    while (this.cursor < current) {
      const rows = this.log.rowsAfter(this.cursor, current, everything, pageSize);
      for (const row of rows) {
        const event = rowToEvent(row);
        for (const sub of this.live) {
          if (row.id > sub.cursor && row.name.startsWith(sub.prefix)) sub.queue.push(event);
        }
      }
      this.cursor = rows.length < pageSize ? current : (rows[rows.length - 1]?.id ?? current);
    }
    for (const sub of this.live) sub.cursor = Math.max(sub.cursor, this.cursor);
  }

  watch(prefix: string, fromRevision: number, limit = this.defaultLimit): Watch {
    const page = Math.max(1, Math.min(pageSize, limit));
    const sub: Subscriber = {
      prefix,
      range: { start: prefix, end: prefixEnd(prefix) },
      cursor: fromRevision,
      queue: new EventQueue<WatchEvent>({
        limit,
        onStop: () => {
          this.live.delete(sub);
          this.all.delete(sub);
        },
        refill: () => this.catchUp(sub, page),
      }),
    };
    this.all.add(sub);
    const compacted = this.log.compactRevision();
    if (fromRevision < compacted) {
      sub.queue.fail(gone(`watch from revision ${fromRevision}: compacted (compact revision ${compacted})`));
    }
    const queue = sub.queue;
    return { close: () => queue.close(), [Symbol.asyncIterator]: () => queue };
  }

  /** Ends every watch with an error (the store is closing). */
  closeAll(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    for (const sub of [...this.all]) sub.queue.fail(unavailable('storage closed'));
  }

  /** One page of history for a subscriber behind the cursor; false once it is live. */
  private catchUp(sub: Subscriber, page: number): boolean {
    return this.log.read(() => this.catchUpSnapshot(sub, page));
  }

  private catchUpSnapshot(sub: Subscriber, page: number): boolean {
    const compacted = this.log.compactRevision();
    if (sub.cursor < compacted) {
      sub.queue.fail(gone(`watch at revision ${sub.cursor}: compacted (compact revision ${compacted})`));
      return false;
    }
    const upto = this.cursor;
    if (sub.cursor < upto) {
      const rows = this.log.rowsAfter(sub.cursor, upto, sub.range, page);
      for (const row of rows) sub.queue.push(rowToEvent(row));
      sub.cursor = rows.length < page ? upto : (rows[rows.length - 1]?.id ?? upto);
    }
    if (sub.cursor < upto) return true;
    this.live.add(sub);
    return false;
  }
}
