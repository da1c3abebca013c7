import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { ApiClient } from './client.js';
import { hijack, streamHijacked } from './hijack.js';
import { encodeFrame, Stream } from './stdcopy.js';

/** A tiny daemon stand-in: answers upgrades with 101 and hands the socket to `onUpgrade`. */
async function fakeDaemon(onUpgrade: (req: http.IncomingMessage, socket: Socket, head: Buffer) => void): Promise<{ client: ApiClient; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'No such container: nope' }));
  });
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { client: new ApiClient({ host: '127.0.0.1', port }), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString();
}

test('attach: 101, frames demultiplexed (split across writes), stdin forwarded then half-closed', async () => {
  let request: { url?: string; headers: http.IncomingHttpHeaders } = { headers: {} };
  const daemon = await fakeDaemon((req, socket) => {
    request = { url: req.url, headers: req.headers };
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    // The first frame rides with the 101 (it lands in `head`), the next is cut in two.
    socket.write(encodeFrame(Stream.stdout, 'hello\n'));
    const frame = encodeFrame(Stream.stderr, 'warning\n');
    socket.write(frame.subarray(0, 3));
    setTimeout(() => socket.write(frame.subarray(3)), 10);
    // Echo stdin back as stdout until the client half-closes, then finish.
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', () => {
      socket.write(encodeFrame(Stream.stdout, `got ${Buffer.concat(received).toString()}`));
      socket.end();
    });
  });
  try {
    const conn = await hijack(daemon.client, '/containers/abc/attach', { query: { stream: true, stdin: true, stdout: true } });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const done = streamHijacked(conn, { tty: false, stdin, stdout, stderr });
    stdin.write('some ');
    setTimeout(() => stdin.end('input'), 30);
    await done;
    assert.equal(request.url, '/v1.51/containers/abc/attach?stream=1&stdin=1&stdout=1');
    assert.equal(request.headers.upgrade, 'tcp');
    assert.match(String(request.headers.connection), /upgrade/i);
    assert.equal(out(), 'hello\ngot some input');
    assert.equal(err(), 'warning\n');
  } finally {
    await daemon.close();
  }
});

test('exec start with a TTY: the JSON body is sent, raw bytes pass through, no stdin means an immediate half-close', async () => {
  let body = '';
  const daemon = await fakeDaemon((req, socket, head) => {
    body = head.toString();
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.on('end', () => {
      socket.write('\x1b[1mraw tty output\r\n');
      setTimeout(() => socket.end('bye'), 10);
    });
  });
  try {
    const conn = await hijack(daemon.client, '/exec/e1/start', { body: { Detach: false, Tty: true } });
    const stdout = new PassThrough();
    const out = collect(stdout);
    await streamHijacked(conn, { tty: true, stdout, stderr: new PassThrough() });
    assert.equal(out(), '\x1b[1mraw tty output\r\nbye');
    assert.deepEqual(JSON.parse(body), { Detach: false, Tty: true });
  } finally {
    await daemon.close();
  }
});

test('an error response to an upgrade request fails with its message and kind', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'No such container: nope' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await assert.rejects(hijack(new ApiClient({ host: '127.0.0.1', port }), '/containers/nope/attach'), { kind: 'not-found', message: 'No such container: nope' });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
