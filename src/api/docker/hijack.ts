import type { Readable, Writable } from 'node:stream';
import type { RouteContext } from './http.js';
import { stdcopyFrame, type StdStream } from './stdcopy.js';
import { closedPromise, forEachUntil, writeChunk } from './streaming.js';

/**
 * A container's stdio carried over one client connection (attach, exec start).
 *
 * Hijacked (`Upgrade: tcp`): `101 UPGRADED` is written on the raw socket, which then
 * carries stdin in and output out. The client half-closes (FIN) when its stdin is done
 * or was never attached; output keeps flowing until the process ends, then we close.
 * Plain HTTP: a streamed 200 whose request body, if any, is stdin.
 * Without a TTY every output chunk is a stdcopy frame; with a TTY it is raw bytes.
 */
export interface StdioConnection {
  /** Bytes from the client, in order (any that arrived with the request come first). */
  input: Readable;
  /** One chunk of output, framed unless TTY; waits while the client is slow. */
  send(stream: StdStream, data: Buffer): Promise<void>;
  end(): void;
  /** Resolves when the client has gone away altogether. */
  closed: Promise<void>;
}

const contentType = (tty: boolean): string =>
  tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';

export function openStdio(ctx: RouteContext, tty: boolean): StdioConnection {
  const frame = (stream: StdStream, data: Buffer): Buffer => (tty ? data : stdcopyFrame(stream, data));
  if (ctx.upgrade) {
    const { socket, head } = ctx.upgrade;
    ctx.upgrade.hijacked = true;
    socket.write(
      `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType(tty)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    if (head.length) socket.unshift(head);
    socket.on('error', () => socket.destroy());
    return {
      input: socket,
      send: (stream, data) => writeChunk(socket, frame(stream, data)),
      end: () => {
        if (!socket.writableEnded) socket.end();
      },
      closed: closedPromise(socket),
    };
  }
  const { req, res } = ctx;
  res.writeHead(200, { 'Content-Type': contentType(tty) });
  res.flushHeaders();
  return {
    input: req,
    send: (stream, data) => writeChunk(res, frame(stream, data)),
    end: () => {
      if (!res.writableEnded) res.end();
    },
    closed: closedPromise(res),
  };
}

export interface PumpOptions {
  /** The process's stdin, when the client attached it. */
  stdin?: Writable;
  /** What to do when the client's input ends (half-close): close stdin or leave it open. */
  closeStdinAtEof: boolean;
  /** Streams the client asked for; others are dropped. */
  streams?: { stdout: boolean; stderr: boolean };
  /** Awaited after output ends and before the connection closes (an exit code settles). */
  beforeEnd?: () => Promise<unknown>;
}

/** Copies input to stdin and output to the client until the output ends or the client goes. */
export async function pumpStdio(
  conn: StdioConnection,
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>,
  options: PumpOptions,
): Promise<void> {
  const { stdin } = options;
  if (stdin) {
    conn.input.pipe(stdin, { end: false });
    conn.input.once('end', () => {
      conn.input.unpipe(stdin);
      if (options.closeStdinAtEof && !stdin.writableEnded) stdin.end();
    });
    stdin.on('error', () => conn.input.unpipe(stdin));
  } else {
    conn.input.resume();
  }
  const wanted = options.streams ?? { stdout: true, stderr: true };
  await forEachUntil(output, conn.closed, (chunk) => (wanted[chunk.stream] ? conn.send(chunk.stream, chunk.data) : undefined));
  if (stdin) conn.input.unpipe(stdin);
  await options.beforeEnd?.().catch(() => undefined);
  conn.end();
  // Whatever the client still sends after we are done is read and dropped.
  conn.input.resume();
}
