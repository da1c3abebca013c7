import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Engine, ImageService, NetworkService, VolumeService } from '../../engine/index.js';
import type { FakeContainers } from './fake-containers.js';
import { dockerApi } from './server.js';

/** Serves the API over a fake container service on loopback, for the adapter's unit tests. */
export interface TestApi {
  port: number;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown }>;
  /** A raw connection: what the test writes goes out as is; `received()` is everything read so far. */
  raw(text: string | Buffer): RawClient;
  close(): Promise<void>;
}

export interface RawClient {
  socket: net.Socket;
  received(): Buffer;
  /** Waits until the bytes read so far satisfy `test` (or fails after `ms`). */
  until(test: (data: Buffer) => boolean, ms?: number): Promise<Buffer>;
  ended: Promise<void>;
}

/** A volume service with no volumes and no events, for tests that do not use volumes. */
const noVolumes = { onEvent: () => () => undefined } as unknown as VolumeService;

export async function startTestApi(containers: FakeContainers, volumes: VolumeService = noVolumes): Promise<TestApi> {
  const engine: Engine = {
    root: '/nonexistent',
    run: '/nonexistent',
    images: {} as ImageService,
    containers,
    volumes,
    runtimeInfo: async () => ({
      runtime: { name: 'runc', path: '/usr/bin/runc', command: ['/usr/bin/runc'], available: { runc: '/usr/bin/runc' } },
      initBinary: undefined,
    }),
    buildCache: { get: () => undefined, put: () => undefined, clear: () => 0 },
    commit: () => Promise.reject(new Error('commit is not faked')),
    networks: { onEvent: () => () => undefined } as unknown as NetworkService,
    close: async () => undefined,
  };
  const api = dockerApi(engine, { version: 'test', id: 'test-id' }, { stats: { intervalMs: 20 } });
  const server = http.createServer(api.requestHandler);
  server.on('upgrade', api.upgradeHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<net.Socket>();

  return {
    port,
    request(method, path, body) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = http.request(
          { host: '127.0.0.1', port, method, path, headers: payload ? { 'Content-Type': 'application/json' } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              let json: unknown;
              try {
                json = text ? JSON.parse(text) : undefined;
              } catch {
                json = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    raw(text) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.add(socket);
      socket.write(text);
      let data = Buffer.alloc(0);
      const checks = new Set<() => void>();
      socket.on('data', (c: Buffer) => {
        data = Buffer.concat([data, c]);
        for (const check of checks) check();
      });
      const ended = new Promise<void>((resolve) => socket.once('end', resolve));
      return {
        socket,
        received: () => data,
        ended,
        until(test, ms = 2000) {
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              checks.delete(check);
              reject(new Error(`timed out; received so far: ${JSON.stringify(data.toString('latin1'))}`));
            }, ms);
            const check = (): void => {
              if (!test(data)) return;
              clearTimeout(timer);
              checks.delete(check);
              resolve(data);
            };
            checks.add(check);
            check();
          });
        },
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      api.closeHijacked();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Splits a raw HTTP answer into its head (status line and headers) and what follows. */
export function splitHead(data: Buffer): { head: string; rest: Buffer } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { head: data.subarray(0, end).toString('latin1'), rest: data.subarray(end + 4) };
}

/** Decodes an HTTP/1.1 chunked body. */
export function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString(), 16);
    if (!size) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export async function waitFor(test: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
