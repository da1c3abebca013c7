import { open, stat } from 'node:fs/promises';
import { isErrno } from '../lib/index.js';
import { ChangeNotifier } from './driver-watch.js';
import { LineJoiner, parseLogRecord, toNs, type LogEntry, type LogStream } from './logs.js';

export interface ReadLogsOptions {
  /** Only entries at or after this time. */
  since?: Date | string;
  /** Only entries at or before this time; a follow ends once it has passed. */
  until?: Date | string;
  /** Only the last N entries of what is already written (then, with follow, everything new). */
  tail?: number;
  streams?: LogStream[];
  /** Keep reading as the file grows (tail -f). */
  follow?: boolean;
  /** Ends a follow at once. */
  signal?: AbortSignal;
  /** Ends a follow after reading what is left once it settles, e.g. `driver.wait(id)`. */
  stopWhen?: Promise<unknown>;
  pollMs?: number;
}

const CHUNK = 256 * 1024;

/**
 * Reads complete lines appended to a file since the last call. A file that shrank or
 * was replaced (log rotation: conmon renames a fresh file into place) is read anew.
 */
class LineCursor {
  private offset = 0;
  private inode: number | undefined;
  private rest: Buffer = Buffer.alloc(0);

  constructor(private readonly path: string) {}

  async *lines(): AsyncGenerator<Buffer> {
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    if (info.ino !== this.inode || info.size < this.offset) {
      this.inode = info.ino;
      this.offset = 0;
      this.rest = Buffer.alloc(0);
    }
    if (info.size === this.offset) return;
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        let data = Buffer.concat([this.rest, buffer.subarray(0, bytesRead)]);
        let nl = data.indexOf(0x0a);
        while (nl >= 0) {
          yield data.subarray(0, nl);
          data = data.subarray(nl + 1);
          nl = data.indexOf(0x0a);
        }
        this.rest = Buffer.from(data);
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * The entries of a k8s-file log, filtered by time, stream and tail, and with `follow`
 * those appended later, until aborted, past `until`, or `stopWhen` settles.
 */
export async function* readLogs(path: string, options: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const since = options.since === undefined ? undefined : toNs(options.since);
  const until = options.until === undefined ? undefined : toNs(options.until);
  const streams = options.streams === undefined ? undefined : new Set(options.streams);
  const wanted = (entry: LogEntry): boolean => {
    if (streams !== undefined && !streams.has(entry.stream)) return false;
    const ns = toNs(entry.timestamp);
    return (since === undefined || ns >= since) && (until === undefined || ns <= until);
  };
  const cursor = new LineCursor(path);
  const joiner = new LineJoiner();
  async function* available(): AsyncGenerator<LogEntry> {
    for await (const line of cursor.lines()) {
      const record = parseLogRecord(line);
      const entry = record === undefined ? undefined : joiner.push(record);
      if (entry !== undefined && wanted(entry)) yield entry;
    }
  }

  // What is there already (without follow, an unfinished last line counts), cut to the tail.
  async function* existing(): AsyncGenerator<LogEntry> {
    yield* available();
    if (options.follow !== true) for (const entry of joiner.flush()) if (wanted(entry)) yield entry;
  }
  if (options.tail !== undefined) {
    const last: LogEntry[] = [];
    const keep = Math.max(0, Math.floor(options.tail));
    for await (const entry of existing()) {
      if (keep === 0) continue;
      last.push(entry);
      if (last.length > keep) last.shift();
    }
    yield* last;
  } else {
    yield* existing();
  }
  if (options.follow !== true) return;
  yield* follow(path, options, until, available);
  for (const entry of joiner.flush()) if (wanted(entry)) yield entry;
}

async function* follow(
  path: string,
  options: ReadLogsOptions,
  until: bigint | undefined,
  available: () => AsyncGenerator<LogEntry>,
): AsyncGenerator<LogEntry> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let finishing = false;
  options.stopWhen?.then(
    () => {
      finishing = true;
      stop.abort();
    },
    () => {
      finishing = true;
      stop.abort();
    },
  );
  const notifier = new ChangeNotifier(path, options.pollMs ?? 250);
  try {
    for (;;) {
      await notifier.next(stop.signal);
      if (options.signal?.aborted) return;
      yield* available();
      if (finishing) return;
      if (until !== undefined && BigInt(Date.now()) * 1_000_000n > until) return;
    }
  } finally {
    notifier.close();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
