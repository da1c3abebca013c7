import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dechunk, startTestApi, splitHead, waitFor, type TestApi } from './api-testing.js';
import { FakeContainers } from './fake-containers.js';
import { StdcopyParser, stdcopyFrame } from './stdcopy.js';

const upgradeRequest = (path: string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n${extra}`;

const frames = (data: Buffer): string[] => new StdcopyParser().push(data).map((f) => `${f.stream}:${f.data.toString()}`);
const line = (stream: 'stdout' | 'stderr', text: string, time = new Date()): { stream: 'stdout' | 'stderr'; time: Date; data: Buffer } => ({
  stream,
  time,
  data: Buffer.from(text),
});

describe('attach and logs', () => {
  let fake: FakeContainers;
  let api: TestApi;
  before(async () => {
    fake = new FakeContainers();
    api = await startTestApi(fake);
  });
  after(() => api.close());

  const create = async (name: string, tty = false, stdinOnce = false): Promise<string> => {
    const res = await api.request('POST', `/containers/create?name=${name}`, { Image: 'busybox', Tty: tty, OpenStdin: true, StdinOnce: stdinOnce });
    return String((res.json as { Id: string }).Id);
  };

  test('a hijacked attach: 101, stdcopy frames, stdin forwarded, output flows after the half-close', async () => {
    await create('attached', false, true);
    // stdin bytes ride in the same packet as the request, as a fast client sends them.
    const client = api.raw(upgradeRequest('/v1.51/containers/attached/attach?stream=1&stdin=1&stdout=1&stderr=1', 'early '));
    const head = await client.until((d) => splitHead(d) !== undefined);
    const split = splitHead(head);
    assert.equal(
      split?.head,
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp',
    );
    const session = fake.attaches.at(-1);
    assert.ok(session);
    client.socket.write('later\n');
    await waitFor(() => session.stdinText() === 'early later\n');

    session.output.push(line('stdout', 'out 1\n'));
    session.output.push(line('stderr', 'err 1\n'));
    await client.until((d) => frames(splitHead(d)?.rest ?? Buffer.alloc(0)).length === 2);

    client.socket.end(); // FIN: the client's stdin is done
    await waitFor(() => session.stdin.writableEnded, 'stdin closed with the client’s (StdinOnce)');
    session.output.push(line('stdout', 'after fin\n'));
    await client.until((d) => d.includes('after fin'));
    session.output.end();
    await client.ended;
    assert.deepEqual(frames(splitHead(client.received())?.rest ?? Buffer.alloc(0)), ['stdout:out 1\n', 'stderr:err 1\n', 'stdout:after fin\n']);
    await waitFor(() => session.closed);
  });

  test('with a TTY the stream is raw bytes; without stdin=1 no stdin is attached', async () => {
    await create('tty', true);
    const client = api.raw(upgradeRequest('/containers/tty/attach?stream=1&stdout=1&stderr=1'));
    await client.until((d) => splitHead(d) !== undefined);
    assert.match(splitHead(client.received())?.head ?? '', /application\/vnd\.docker\.raw-stream/);
    const session = fake.attaches.at(-1);
    assert.ok(session);
    client.socket.end();
    session.output.push(line('stdout', '\x1b[1mbold\r\n'));
    session.output.end();
    await client.ended;
    assert.equal(splitHead(client.received())?.rest.toString(), '\x1b[1mbold\r\n');
    assert.equal(session.stdinText(), '');
  });

  test('attach without Upgrade headers streams an ordinary response; logs=1 replays first', async () => {
    await create('plain');
    fake.logLines = [line('stdout', 'old\n')];
    const client = api.raw('POST /containers/plain/attach?stream=1&logs=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n');
    await client.until((d) => splitHead(d) !== undefined);
    assert.match(splitHead(client.received())?.head ?? '', /^HTTP\/1\.1 200 OK/);
    const session = fake.attaches.at(-1);
    assert.ok(session);
    session.output.push(line('stdout', 'new\n'));
    session.output.push(line('stderr', 'not asked for\n'));
    session.output.end();
    await client.until((d) => d.includes('0\r\n\r\n'));
    const body = dechunk(splitHead(client.received())?.rest ?? Buffer.alloc(0));
    assert.deepEqual(frames(body), ['stdout:old\n', 'stdout:new\n']);
    client.socket.destroy();
  });

  test('an attach to a missing container is an ordinary 404 on the upgraded socket', async () => {
    const client = api.raw(upgradeRequest('/containers/ghost/attach?stream=1&stdout=1'));
    await client.ended;
    const split = splitHead(client.received());
    assert.match(split?.head ?? '', /^HTTP\/1\.1 404 Not Found/);
    assert.match(split?.head ?? '', /Content-Type: application\/json/);
    assert.match(split?.rest.toString() ?? '', /No such container: ghost/);
  });

  test('logs: stdcopy frames without a TTY, tail and timestamps', async () => {
    await create('logged');
    const t = new Date('2024-05-01T10:00:00.120Z');
    fake.logLines = [line('stdout', 'a\n', t), line('stderr', 'b\n', t), line('stdout', 'c\n', t)];
    const res = await api.request('GET', '/containers/logged/logs?stdout=1&stderr=1&tail=2&timestamps=1&since=0');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    assert.deepEqual(fake.lastLogOptions, { follow: false, stdout: true, stderr: true, tail: 2 });
    const raw = await rawBody('/containers/logged/logs?stdout=1&stderr=1&tail=2&timestamps=1');
    assert.deepEqual(frames(raw), ['stderr:2024-05-01T10:00:00.120000000Z b\n', 'stdout:2024-05-01T10:00:00.120000000Z c\n']);
    const bad = await api.request('GET', '/containers/logged/logs');
    assert.equal(bad.status, 400);
    const since = await api.request('GET', '/containers/logged/logs?stdout=1&since=1714557600.5&until=1714557700&follow=1&tail=all');
    assert.equal(since.status, 200);
    assert.deepEqual(fake.lastLogOptions, {
      follow: true,
      stdout: true,
      stderr: false,
      since: new Date(1714557600500),
      until: new Date(1714557700000),
    });
  });

  test('logs of a TTY container are raw', async () => {
    await create('ttylog', true);
    fake.logLines = [line('stdout', 'raw\r\n')];
    const body = await rawBody('/containers/ttylog/logs?stdout=1');
    assert.equal(body.toString(), 'raw\r\n');
  });

  async function rawBody(path: string): Promise<Buffer> {
    const client = api.raw(`GET ${path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`);
    await client.ended;
    return dechunk(splitHead(client.received())?.rest ?? Buffer.alloc(0));
  }
});

test('frames are what the parser reads back', () => {
  assert.deepEqual(frames(stdcopyFrame('stdout', Buffer.from('x'))), ['stdout:x']);
});
