import type { ContainerService, LogLine, LogOptions } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { fixedNanoTime, parseApiTime } from './docker-time.js';
import { openStdio, pumpStdio } from './hijack.js';
import type { RouteContext, Router } from './http.js';
import { queryFlag, queryInt } from './http.js';
import { stdcopyFrame } from './stdcopy.js';
import { closedPromise, forEachUntil, writeChunk } from './streaming.js';

/** A container's output and input: logs (a streamed GET) and attach (hijacked). */

const id = (ctx: RouteContext): string => ctx.params[0] ?? '';

function logOptions(query: URLSearchParams): LogOptions {
  const options: LogOptions = {
    follow: queryFlag(query, 'follow'),
    stdout: queryFlag(query, 'stdout'),
    stderr: queryFlag(query, 'stderr'),
  };
  const since = query.get('since');
  const until = query.get('until');
  const tail = query.get('tail');
  // The CLI sends since=0 / until=0 for "not set".
  if (since && since !== '0') options.since = parseApiTime(since, 'since');
  if (until && until !== '0') options.until = parseApiTime(until, 'until');
  if (tail && tail !== 'all') {
    const n = queryInt(query, 'tail');
    if (n !== undefined && n >= 0) options.tail = n;
  }
  return options;
}

export function containerIoRoutes(router: Router, containers: ContainerService): void {
  router.add('GET', /^\/containers\/([^/]+)\/logs$/, async (ctx) => {
    const options = logOptions(ctx.query);
    if (!options.stdout && !options.stderr) {
      throw invalidArgument('Bad parameters: you must choose at least one stream');
    }
    const record = await containers.get(id(ctx));
    const tty = record.config.tty;
    const timestamps = queryFlag(ctx.query, 'timestamps');
    const lines = containers.logs(record.id, options);
    const { res } = ctx;
    res.writeHead(200, {
      'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
    });
    res.flushHeaders();
    await forEachUntil(lines, closedPromise(res), (line: LogLine) => {
      const data = timestamps ? Buffer.concat([Buffer.from(`${fixedNanoTime(line.time)} `), line.data]) : line.data;
      return writeChunk(res, tty ? data : stdcopyFrame(line.stream, data));
    });
    res.end();
  });

  router.add('POST', /^\/containers\/([^/]+)\/attach$/, async (ctx) => {
    const { query } = ctx;
    const streams = { stdout: queryFlag(query, 'stdout'), stderr: queryFlag(query, 'stderr') };
    const withStdin = queryFlag(query, 'stdin');
    const stream = queryFlag(query, 'stream');
    const logs = queryFlag(query, 'logs');
    if (!stream && !logs) throw invalidArgument('Bad parameters: you must choose at least one of stream or logs');
    const record = await containers.get(id(ctx));
    // Attach before answering: the client starts the container once it has the 101.
    const session = stream ? await containers.attach(record.id, { stdin: withStdin }) : undefined;
    const conn = openStdio(ctx, record.config.tty);
    void conn.closed.then(() => session?.close());
    if (logs) {
      await forEachUntil(containers.logs(record.id, streams), conn.closed, (line) =>
        streams[line.stream] ? conn.send(line.stream, line.data) : undefined,
      );
    }
    if (!session) return conn.end();
    try {
      await pumpStdio(conn, session.output, {
        ...(withStdin && session.stdin ? { stdin: session.stdin } : {}),
        // `docker run -i` sets StdinOnce: the container's stdin closes with the client's.
        closeStdinAtEof: record.config.stdinOnce,
        streams,
      });
    } finally {
      session.close();
    }
  });
}
