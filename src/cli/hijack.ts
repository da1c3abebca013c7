import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../lib/index.js';
import { apiPath, describe, errorOf, type ApiClient, type Query } from './client.js';
import { demuxTo } from './stdcopy.js';

/**
 * The client side of Docker's hijacked connections (attach, exec start): the request asks
 * for `Upgrade: tcp`, the daemon answers `101 UPGRADED`, and from then on the socket is a
 * raw duplex — container output one way, our stdin the other.
 */
export interface Hijacked {
  /** Container output: bytes that arrived with the 101 first, then the socket's. */
  output: Readable;
  /** Where stdin goes; undefined when the daemon answered without upgrading. */
  input: Socket | undefined;
  close(): void;
}

export function hijack(client: ApiClient, path: string, options: { query?: Query; body?: object } = {}): Promise<Hijacked> {
  const json = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...client.endpoint,
      agent: false,
      method: 'POST',
      path: apiPath(path, options.query),
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'tcp',
        ...(json !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) } : {}),
      },
    });
    req.on('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (res.statusCode !== 101) {
        socket.destroy();
        return reject(new BerthError('internal', `unexpected status ${res.statusCode ?? 0} to an upgrade request`));
      }
      const output = new PassThrough();
      if (head.length) output.write(head);
      socket.pipe(output);
      socket.on('error', (err) => output.destroy(err));
      // A socket torn down without an end (our close(), a reset) must still end the output.
      socket.on('close', () => {
        if (!output.writableEnded) output.destroy(new BerthError('unavailable', 'the attach connection closed'));
      });
      resolve({ output, input: socket, close: () => socket.destroy() });
    });
    req.on('response', (res) => {
      if ((res.statusCode ?? 500) >= 400) return void errorOf(res).then(reject, reject);
      // An old-style daemon streams over a plain 200 response: output only.
      resolve({ output: res, input: undefined, close: () => res.destroy() });
    });
    req.on('error', (err) => reject(new BerthError('unavailable', `cannot reach berth at ${describe(client.endpoint)}: ${err.message}`)));
    req.end(json);
  });
}

export interface StreamOptions {
  tty: boolean;
  /** Forwarded to the container; when it ends the connection is half-closed. */
  stdin?: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Copies a hijacked connection to our streams until the daemon closes it: raw bytes with a
 * TTY, stdcopy frames demultiplexed without. Without stdin the write side is half-closed
 * at once (output keeps flowing), as the docker CLI does.
 */
export async function streamHijacked(conn: Hijacked, options: StreamOptions): Promise<void> {
  const { input } = conn;
  const stdin = options.stdin;
  let stopInput = (): void => {};
  if (input && stdin) {
    const onEnd = (): void => void input.end();
    stdin.on('end', onEnd);
    stdin.pipe(input, { end: false });
    stopInput = () => {
      stdin.off('end', onEnd);
      stdin.unpipe(input);
      stdin.pause();
    };
  } else if (input) {
    input.end();
  }
  try {
    if (options.tty) await pipeline(conn.output, forwardTo(options.stdout));
    else await pipeline(conn.output, demuxTo(options.stdout, options.stderr));
  } finally {
    stopInput();
    conn.close();
  }
}

/** A writable into `target` that never ends it (our stdout outlives the stream). */
export function forwardTo(target: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (target.write(chunk)) callback();
      else target.once('drain', () => callback());
    },
  });
}
