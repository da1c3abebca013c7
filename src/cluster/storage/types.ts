/**
 * A revisioned key-value store, as the Kubernetes API server uses etcd.
 *
 * Keys are strings (`/registry/pods/ns/name`), values are bytes. Every successful write
 * bumps one global, strictly increasing revision; the value written carries it as its
 * `modRevision`. History is kept until it is compacted: reads at an older revision and
 * watches that start from one replay it, and anything older than the compact revision is
 * `gone` (errors of kind 'gone', HTTP 410), after which a client lists afresh.
 *
 * The store is made of a few narrow roles, so that a caller can ask for only what it uses.
 */

/** One key as stored at some revision. */
export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the write that created the key (since it last did not exist). */
  createRevision: number;
  /** Revision of the write that last changed it. */
  modRevision: number;
  /** Number of writes since it was created: 1 after create. */
  version: number;
}

export interface ListOptions {
  /** Keys starting with this string; '' means every key. */
  prefix: string;
  /** At most this many items; absent or 0 means no limit. */
  limit?: number;
  /** Start strictly after this key (the last key of the previous page). */
  continueAfterKey?: string;
  /** Read the store as it was at this revision; absent or 0 means now. */
  revision?: number;
}

export interface ListResult {
  /** Sorted by key. */
  items: KeyValue[];
  /** The revision the list was read at; pass it back to read the next page consistently. */
  revision: number;
  /** More keys follow the last item (at this revision). */
  more: boolean;
}

export interface DeleteResult {
  revision: number;
  /** The value that was deleted. */
  prev: KeyValue;
}

export type WatchEventType = 'PUT' | 'DELETE';

/** One write, as a watch delivers it. A store hands the same object (and buffers) to every
 * watcher of that key: treat it as read-only. */
export interface WatchEvent {
  type: WatchEventType;
  key: string;
  /** The new value; empty for a DELETE. */
  value: Buffer;
  /** The value before this write: present for updates and deletes, absent for creates. */
  prevValue?: Buffer;
  modRevision: number;
  /** Creation revision of the key (for a DELETE, of the value deleted). */
  createRevision: number;
}

export interface WatchOptions {
  prefix: string;
  /** Events after this revision are delivered; history since then is replayed first. */
  fromRevision: number;
  /** Events buffered for a consumer that does not keep up before the watch is ended with
   * an 'unavailable' error (the store's default when absent). */
  maxBuffered?: number;
}

/**
 * A stream of events in revision order, without gaps. Iteration ends with an error of kind
 * 'gone' when the history it needs has been compacted, and of kind 'unavailable' when the
 * consumer fell too far behind or the backend went away: events received before that are
 * still delivered first, so the caller can watch again from the last revision it saw.
 */
export interface Watch extends AsyncIterable<WatchEvent> {
  /** Stops the watch; iteration ends normally. */
  close(): void;
}

export interface Reader {
  /** The current value of `key`, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  list(options: ListOptions): Promise<ListResult>;
  /** Number of keys with this prefix now. */
  count(prefix: string): Promise<number>;
  currentRevision(): Promise<number>;
}

export interface Writer {
  /** Fails with 'already-exists' if the key exists. Returns the new revision. */
  create(key: string, value: Buffer): Promise<number>;
  /** Fails with 'not-found' if the key is absent, 'conflict' if its modRevision is not the
   * expected one. Returns the new revision. */
  update(key: string, value: Buffer, expectedModRevision?: number): Promise<number>;
  /** Same failures as update. */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult>;
}

export interface Watcher {
  watch(options: WatchOptions): Watch;
}

export interface Compactor {
  /** Discards history before `revision`: reads and watches from older revisions are then
   * 'gone'. Compacting at or below the current compact revision does nothing. */
  compact(revision: number): Promise<void>;
}

/** Lifecycle: open a backend, use it from any number of callers, close it once. */
export interface Store extends Reader, Writer, Watcher, Compactor {
  close(): Promise<void>;
}
