/**
 * The k8s-file log format conmon writes (the CRI logging format), one record a line:
 *
 *   2016-10-06T00:17:09.669794202Z stdout F message
 *
 * time in RFC 3339 with nanoseconds (conmon writes a numeric offset, "+00:00"), the
 * stream, a tag (F: the record ends a line; P: a fragment, the line continues in the
 * next record of that stream) and the bytes of the line without its newline.
 */
export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  timestamp: string;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** One line of output, its fragments joined. */
export interface LogEntry {
  /** The first fragment's time as written (nanosecond precision). */
  timestamp: string;
  time: Date;
  stream: LogStream;
  line: string;
  /** True when the output ended without a newline (the line was never finished). */
  partial: boolean;
}

const SPACE = 0x20;

/** Parses one record (without its trailing newline); undefined for anything malformed. */
export function parseLogRecord(raw: Buffer | string): LogRecord | undefined {
  const line = typeof raw === 'string' ? Buffer.from(raw) : raw;
  const first = line.indexOf(SPACE);
  const second = first < 0 ? -1 : line.indexOf(SPACE, first + 1);
  if (second < 0) return undefined;
  const timestamp = line.subarray(0, first).toString('latin1');
  const stream = line.subarray(first + 1, second).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  if (timestampNs(timestamp) === undefined) return undefined;
  const third = line.indexOf(SPACE, second + 1);
  const tags = line.subarray(second + 1, third < 0 ? line.length : third).toString('latin1');
  const content = third < 0 ? Buffer.alloc(0) : line.subarray(third + 1);
  return { timestamp, stream, partial: tags.split(':').includes('P'), content: Buffer.from(content) };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** Nanoseconds since the epoch of an RFC 3339 time, or undefined when it is not one. */
export function timestampNs(timestamp: string): bigint | undefined {
  const m = RFC3339.exec(timestamp);
  if (m === null || m[1] === undefined || m[3] === undefined) return undefined;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + fraction;
}

/** Nanoseconds since the epoch of a Date or an RFC 3339 string. */
export function toNs(value: Date | string): bigint {
  if (value instanceof Date) return BigInt(value.getTime()) * 1_000_000n;
  const ns = timestampNs(value);
  if (ns === undefined) throw new RangeError(`not an RFC 3339 time: ${value}`);
  return ns;
}

/**
 * Joins P fragments into lines, per stream (stdout and stderr fragments interleave).
 * `push` returns a finished entry, `flush` hands out the unfinished ones at the end.
 */
export class LineJoiner {
  private readonly pending = new Map<LogStream, { timestamp: string; parts: Buffer[] }>();

  push(record: LogRecord): LogEntry | undefined {
    const open = this.pending.get(record.stream);
    if (record.partial) {
      if (open === undefined) this.pending.set(record.stream, { timestamp: record.timestamp, parts: [record.content] });
      else open.parts.push(record.content);
      return undefined;
    }
    if (open === undefined) return entryOf(record.timestamp, record.stream, [record.content], false);
    this.pending.delete(record.stream);
    return entryOf(open.timestamp, record.stream, [...open.parts, record.content], false);
  }

  flush(): LogEntry[] {
    const entries = [...this.pending].map(([stream, open]) => entryOf(open.timestamp, stream, open.parts, true));
    this.pending.clear();
    return entries.sort((a, b) => (toNs(a.timestamp) < toNs(b.timestamp) ? -1 : 1));
  }
}

function entryOf(timestamp: string, stream: LogStream, parts: Buffer[], partial: boolean): LogEntry {
  const ns = toNs(timestamp);
  return {
    timestamp,
    time: new Date(Number(ns / 1_000_000n)),
    stream,
    line: Buffer.concat(parts).toString('utf8'),
    partial,
  };
}

/** Parses a whole log text into entries (for small logs and tests). */
export function parseLog(text: Buffer | string): LogEntry[] {
  const buffer = typeof text === 'string' ? Buffer.from(text) : text;
  const joiner = new LineJoiner();
  const entries: LogEntry[] = [];
  let start = 0;
  while (start < buffer.length) {
    const nl = buffer.indexOf(0x0a, start);
    const end = nl < 0 ? buffer.length : nl;
    const record = parseLogRecord(buffer.subarray(start, end));
    const entry = record === undefined ? undefined : joiner.push(record);
    if (entry !== undefined) entries.push(entry);
    start = end + 1;
  }
  return [...entries, ...joiner.flush()];
}
