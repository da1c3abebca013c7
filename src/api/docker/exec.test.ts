import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, splitHead, waitFor, type TestApi } from './api-testing.js';
import { FakeContainers } from './fake-containers.js';
import { StdcopyParser } from './stdcopy.js';

type Obj = Record<string, unknown>;

describe('exec', () => {
  let fake: FakeContainers;
  let api: TestApi;
  before(async () => {
    fake = new FakeContainers();
    api = await startTestApi(fake);
    await api.request('POST', '/containers/create?name=box', { Image: 'busybox' });
    await api.request('POST', '/containers/box/start');
  });
  after(() => api.close());

  const createExec = async (body: Obj): Promise<string> => {
    const res = await api.request('POST', '/v1.51/containers/box/exec', body);
    assert.equal(res.status, 201, res.text);
    return String((res.json as Obj)['Id']);
  };

  test('create checks the body: Cmd is required', async () => {
    const none = await api.request('POST', '/containers/box/exec', { AttachStdout: true });
    assert.equal(none.status, 400);
    assert.deepEqual(none.json, { message: 'No exec command specified' });
    const bad = await api.request('POST', '/containers/box/exec', { Cmd: ['ls'], Env: 'A=1' });
    assert.equal(bad.status, 400);
    assert.match(String((bad.json as Obj)['message']), /\bEnv\b/);
    assert.equal((await api.request('POST', '/containers/ghost/exec', { Cmd: ['ls'] })).status, 404);
    assert.equal((await api.request('GET', '/exec/ghost/json')).status, 404);
  });

  test('a hijacked start: the JSON body and early stdin share the socket; the exit code is settled at the end', async () => {
    const id = await createExec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, User: 'nobody' });
    const body = JSON.stringify({ Detach: false, Tty: false });
    const client = api.raw(
      `POST /v1.51/exec/${id}/start HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}typed`,
    );
    await client.until((d) => splitHead(d) !== undefined);
    assert.match(splitHead(client.received())?.head ?? '', /^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.multiplexed-stream/);
    const exec = fake.execs.get(id);
    assert.ok(exec);
    await waitFor(() => exec.stdinText() === 'typed');
    client.socket.end();
    await waitFor(() => exec.stdin.writableEnded, 'exec stdin closed at the client’s EOF');
    exec.output.push({ stream: 'stdout', data: Buffer.from('typed') });
    exec.output.push({ stream: 'stderr', data: Buffer.from('warn') });
    exec.exit(5);
    await client.ended;
    const frames = new StdcopyParser().push(splitHead(client.received())?.rest ?? Buffer.alloc(0));
    assert.deepEqual(frames.map((f) => `${f.stream}:${f.data.toString()}`), ['stdout:typed', 'stderr:warn']);

    // The stream ended only once the exit code was known, so the CLI's inspect sees it.
    const inspect = await api.request('GET', `/exec/${id}/json`);
    const shape = inspect.json as Obj;
    assert.equal(shape['ExitCode'], 5);
    assert.equal(shape['Running'], false);
    assert.equal(shape['ID'], id);
    assert.equal(shape['OpenStdin'], true);
    assert.deepEqual(shape['ProcessConfig'], { arguments: [], entrypoint: 'cat', privileged: false, tty: false, user: 'nobody' });
    assert.match(String(shape['ContainerID']), /^[0-9a-f]{64}$/);
  });

  test('a TTY exec streams raw bytes; resize reaches the engine', async () => {
    const id = await createExec({ Cmd: ['sh'], Tty: true, AttachStdin: true });
    const body = JSON.stringify({ Detach: false, Tty: true });
    const client = api.raw(
      `POST /exec/${id}/start HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\nConnection: Upgrade\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await client.until((d) => splitHead(d) !== undefined);
    assert.match(splitHead(client.received())?.head ?? '', /application\/vnd\.docker\.raw-stream/);
    assert.equal((await api.request('POST', `/exec/${id}/resize?h=30&w=100`)).status, 200);
    assert.deepEqual(fake.calls.at(-1), ['resizeExec', id, 100, 30]);
    const exec = fake.execs.get(id);
    exec?.output.push({ stream: 'stdout', data: Buffer.from('# ') });
    exec?.exit(0);
    await client.ended;
    assert.equal(splitHead(client.received())?.rest.toString(), '# ');
  });

  test('a detached start answers 200 at once; a plain start streams the output', async () => {
    const detached = await createExec({ Cmd: ['sleep', '1'] });
    const res = await api.request('POST', `/exec/${detached}/start`, { Detach: true });
    assert.equal(res.status, 200);
    assert.equal(((await api.request('GET', `/exec/${detached}/json`)).json as Obj)['Running'], true);

    const plain = await createExec({ Cmd: ['echo', 'hi'] });
    const pending = api.request('POST', `/exec/${plain}/start`, { Detach: false, Tty: true });
    await waitFor(() => fake.execs.get(plain)?.record.running === true);
    fake.execs.get(plain)?.output.push({ stream: 'stdout', data: Buffer.from('hi\n') });
    fake.execs.get(plain)?.exit(0);
    const streamed = await pending;
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.equal(streamed.text, 'hi\n');
  });
});
