import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../client.js';
import type { CommandContext } from '../context.js';
import { runContainer, startFailureCode, withDefaultTag } from './run.js';

interface Fake {
  calls: string[];
  client: ApiClient;
  close(): Promise<void>;
}

/** A daemon stand-in on a unix socket that records the order of the run flow's calls. */
async function fakeDaemon(options: { createStatus?: number; createMessage?: string; startError?: string; exitCode?: number }): Promise<Fake> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fake-'));
  const socketPath = path.join(dir, 'api.sock');
  const calls: string[] = [];
  let waiting: http.ServerResponse | undefined;
  let attached: import('node:net').Socket | undefined;
  const json = (res: http.ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    const route = `${req.method} ${url.pathname.replace(/^\/v1\.51/, '')}`;
    calls.push(url.search ? `${route}${url.search}` : route);
    req.resume();
    if (route === 'POST /containers/create') {
      if (options.createStatus) return json(res, options.createStatus, { message: options.createMessage ?? 'failed' });
      return json(res, 201, { Id: 'c0ffee', Warnings: [] });
    }
    if (route === 'POST /containers/c0ffee/wait') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      waiting = res;
      return;
    }
    if (route === 'POST /containers/c0ffee/start') {
      if (options.startError) return json(res, 400, { message: options.startError });
      res.writeHead(204).end();
      // The container runs and exits: the attach stream closes, then wait answers.
      setTimeout(() => {
        attached?.end();
        waiting?.end(JSON.stringify({ StatusCode: options.exitCode ?? 0 }));
      }, 20);
      return;
    }
    json(res, 404, { message: `no route ${route}` });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:net').Socket) => {
    const url = new URL(req.url ?? '', 'http://x');
    calls.push(`UPGRADE ${url.pathname.replace(/^\/v1\.51/, '')}${url.search}`);
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.on('error', () => {});
    attached = socket;
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    calls,
    client: new ApiClient({ socketPath }),
    close: async () => {
      attached?.destroy();
      waiting?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function context(client: ApiClient, args: string[]): CommandContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { args, globals: {}, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), client: async () => client, stdout, stderr };
}

test('run attaches and waits before it starts, then exits with the container code', async () => {
  const fake = await fakeDaemon({ exitCode: 3 });
  try {
    const code = await runContainer(context(fake.client, ['--rm', 'bb', 'false']));
    assert.equal(code, 3);
    assert.deepEqual(fake.calls, [
      'POST /containers/create',
      'UPGRADE /containers/c0ffee/attach?stream=1&stdout=1&stderr=1',
      'POST /containers/c0ffee/wait?condition=removed',
      'POST /containers/c0ffee/start',
    ]);
  } finally {
    await fake.close();
  }
});

test('run -d prints the ID and neither attaches nor waits', async () => {
  const fake = await fakeDaemon({});
  try {
    const ctx = context(fake.client, ['-d', 'bb', 'sleep', '10']);
    assert.equal(await runContainer(ctx), 0);
    assert.deepEqual(ctx.stdout, ['c0ffee\n']);
    assert.deepEqual(fake.calls, ['POST /containers/create', 'POST /containers/c0ffee/start']);
  } finally {
    await fake.close();
  }
});

test('run failures map to docker exit codes', async () => {
  const missing = await fakeDaemon({ createStatus: 404, createMessage: 'No such image: bb:latest' });
  try {
    const ctx = context(missing.client, ['bb']);
    assert.equal(await runContainer(ctx), 125);
    assert.match(ctx.stderr.join(''), /^Unable to find image 'bb:latest' locally\n/);
  } finally {
    await missing.close();
  }
  const notFound = await fakeDaemon({ startError: 'failed to create task: exec: "nope": executable file not found in $PATH' });
  try {
    assert.equal(await runContainer(context(notFound.client, ['bb', 'nope'])), 127);
  } finally {
    await notFound.close();
  }
  assert.equal(startFailureCode(new Error('exec /etc/passwd: permission denied')), 126);
  assert.equal(startFailureCode(new Error('stat /bin/x: no such file or directory')), 127);
  assert.equal(startFailureCode(new Error('cgroup: device busy')), 125);
});

test('image names get docker\'s default tag in messages', () => {
  assert.equal(withDefaultTag('bb'), 'bb:latest');
  assert.equal(withDefaultTag('localhost:5000/bb'), 'localhost:5000/bb:latest');
  assert.equal(withDefaultTag('bb:1'), 'bb:1');
  assert.equal(withDefaultTag('bb@sha256:abc'), 'bb@sha256:abc');
});
