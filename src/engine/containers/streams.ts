import { PassThrough } from 'node:stream';
import type { DriverPort, LogEntryPort, LogReaderPort, LogReadOptionsPort } from './driver-port.js';
import type { AttachSession, LogLine, LogOptions } from './types.js';

export function toLogLine(entry: LogEntryPort): LogLine {
  return { stream: entry.stream, time: entry.time, data: Buffer.from(entry.partial ? entry.line : entry.line + '\n') };
}

export function readOptions(options: LogOptions): LogReadOptionsPort {
  const out: LogReadOptionsPort = {};
  if (options.since !== undefined) out.since = options.since;
  if (options.until !== undefined) out.until = options.until;
  if (options.tail !== undefined && options.tail >= 0) out.tail = options.tail;
  const streams: Array<'stdout' | 'stderr'> = [];
  if (options.stdout !== false) streams.push('stdout');
  if (options.stderr !== false) streams.push('stderr');
  out.streams = streams;
  return out;
}

export async function* logLines(reader: LogReaderPort, path: string, options: LogReadOptionsPort): AsyncGenerator<LogLine> {
  for await (const entry of reader(path, options)) yield toLogLine(entry);
}

export interface AttachInputs {
  driver: DriverPort;
  reader: LogReaderPort;
  id: string;
  logPath: string;
  /** Settles at the container's next exit: output ends then. */
  exited: Promise<unknown>;
  /** Settles once the container runs (at once when it does already), or rejects. */
  running: Promise<void>;
  stdin: boolean;
  tty: boolean;
}

/**
 * Output follows the log from now (so an attach before start sees everything the
 * process writes); stdin goes through conmon's attach socket once the container runs,
 * buffered until then.
 */
export function attachSession(a: AttachInputs): AttachSession {
  const abort = new AbortController();
  // A start that fails rejects `running`; without stdin nobody else observes it.
  a.running.catch(() => undefined);
  const output = logLines(a.reader, a.logPath, { since: new Date(), follow: true, signal: abort.signal, stopWhen: a.exited });
  let detach: (() => void) | undefined;
  let closed = false;
  const session: AttachSession = {
    output,
    resize: async (width, height) => {
      if (a.tty) await a.driver.resize(a.id, width, height);
    },
    close: () => {
      closed = true;
      abort.abort();
      detach?.();
    },
  };
  if (a.stdin) {
    const stdin = new PassThrough();
    session.stdin = stdin;
    void a.running
      .then(async () => {
        if (closed) return;
        const conn = await a.driver.attach(a.id);
        detach = () => conn.detach();
        if (closed) return conn.detach();
        conn.output.resume(); // output is read from the log
        stdin.pipe(conn.stdin);
        void conn.closed.then(() => stdin.unpipe(conn.stdin));
      })
      .catch(() => stdin.destroy());
  }
  return session;
}
