import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, splitHead, type TestApi } from './api-testing.js';
import { FakeContainers } from './fake-containers.js';

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => value as Obj;

describe('container routes', () => {
  let fake: FakeContainers;
  let api: TestApi;
  before(async () => {
    fake = new FakeContainers();
    api = await startTestApi(fake);
  });
  after(() => api.close());

  const create = async (name: string, body: Obj = {}): Promise<string> => {
    const res = await api.request('POST', `/v1.51/containers/create?name=${name}`, { Image: 'busybox', ...body });
    assert.equal(res.status, 201, res.text);
    return String(obj(res.json)['Id']);
  };

  test('create translates Docker’s body and answers 201 {Id, Warnings}', async () => {
    const res = await api.request('POST', '/v1.51/containers/create?name=web', {
      Image: 'busybox',
      Entrypoint: '/bin/sh',
      Cmd: ['-c', 'exit 3'],
      Env: ['A=1'],
      Labels: { tier: 'front' },
      Tty: true,
      OpenStdin: true,
      StdinOnce: true,
      StopTimeout: null,
      Healthcheck: { Test: ['CMD', 'true'], Interval: 2_000_000_000, Timeout: 500_000_000, Retries: 3 },
      HostConfig: {
        AutoRemove: true,
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
        Memory: 64 * 1024 * 1024,
        MemorySwap: -1,
        NanoCpus: 0,
        PidsLimit: null,
        CapAdd: ['NET_ADMIN'],
        NetworkMode: 'default',
        Init: true,
      },
    });
    assert.equal(res.status, 201, res.text);
    const body = obj(res.json);
    assert.match(String(body['Id']), /^[0-9a-f]{64}$/);
    assert.deepEqual(body['Warnings'], []);
    assert.deepEqual(fake.lastCreate, {
      name: 'web',
      image: 'busybox',
      entrypoint: ['/bin/sh'],
      cmd: ['-c', 'exit 3'],
      env: ['A=1'],
      tty: true,
      openStdin: true,
      stdinOnce: true,
      labels: { tier: 'front' },
      healthcheck: { test: ['CMD', 'true'], intervalMs: 2000, timeoutMs: 500, retries: 3 },
      init: true,
      autoRemove: true,
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
      resources: { memory: 64 * 1024 * 1024, memorySwap: -1 },
      capAdd: ['NET_ADMIN'],
    });
  });

  test('a malformed body is a 400 naming the field', async () => {
    const env = await api.request('POST', '/containers/create', { Image: 'busybox', Env: 'A=1' });
    assert.equal(env.status, 400);
    assert.equal(env.headers['content-type'], 'application/json');
    assert.match(String(obj(env.json)['message']), /\bEnv\b/);
    const memory = await api.request('POST', '/containers/create', { Image: 'busybox', HostConfig: { Memory: '1g' } });
    assert.equal(memory.status, 400);
    assert.match(String(obj(memory.json)['message']), /HostConfig\.Memory/);
    const json = await api.request('POST', '/containers/create', '{"Image": ');
    assert.equal(json.status, 400);
    const restart = await api.request('POST', '/containers/create', { Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } });
    assert.equal(restart.status, 400);
    assert.match(String(obj(restart.json)['message']), /RestartPolicy/);
  });

  test('LogConfig: max-size reaches the engine in bytes, other options warn, other drivers are a 400', async () => {
    const res = await api.request('POST', '/containers/create', {
      Image: 'busybox',
      HostConfig: { LogConfig: { Type: '', Config: { 'max-size': '10k', 'max-file': '3' } } },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(fake.lastCreate?.logMaxSize, 10_000);
    assert.match(String((obj(res.json)['Warnings'] as string[])[0]), /max-file=3 has no effect/);
    const syslog = await api.request('POST', '/containers/create', { Image: 'busybox', HostConfig: { LogConfig: { Type: 'syslog', Config: {} } } });
    assert.equal(syslog.status, 400);
    assert.match(String(obj(syslog.json)['message']), /log driver "syslog" is not supported: berth keeps every container's log as a file/);
  });

  test('a missing image is 404 No such image; a taken name is the engine’s 409', async () => {
    const missing = await api.request('POST', '/containers/create', { Image: 'nope' });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { message: 'No such image: nope' });
    await create('taken');
    const dup = await api.request('POST', '/containers/create?name=taken', { Image: 'busybox' });
    assert.equal(dup.status, 409);
    assert.match(String(obj(dup.json)['message']), /Conflict. The container name "\/taken" is already in use/);
  });

  test('inspect has Docker’s shape: zero times, Networks an object, names with a slash', async () => {
    const id = await create('inspected', { Cmd: ['echo', 'hi'] });
    const res = await api.request('GET', `/v1.51/containers/inspected/json`);
    assert.equal(res.status, 200);
    const body = obj(res.json);
    assert.equal(body['Id'], id);
    assert.equal(body['Name'], '/inspected');
    assert.equal(body['Path'], 'echo');
    assert.deepEqual(body['Args'], ['hi']);
    assert.equal(body['Driver'], 'overlay2');
    assert.equal(body['Platform'], 'linux');
    const state = obj(body['State']);
    assert.equal(state['Status'], 'created');
    assert.equal(state['Running'], false);
    assert.equal(state['StartedAt'], '0001-01-01T00:00:00Z');
    assert.equal(state['FinishedAt'], '0001-01-01T00:00:00Z');
    assert.equal('Health' in state, false);
    assert.deepEqual(obj(body['NetworkSettings'])['Networks'], {});
    assert.deepEqual(obj(body['NetworkSettings'])['Ports'], {});
    assert.deepEqual(body['Mounts'], []);
    const config = obj(body['Config']);
    assert.deepEqual(config['Cmd'], ['echo', 'hi']);
    assert.equal(config['Entrypoint'], null);
    assert.equal(config['Image'], 'busybox');
    const host = obj(body['HostConfig']);
    assert.deepEqual(host['RestartPolicy'], { Name: 'no', MaximumRetryCount: 0 });
    assert.equal(host['Memory'], 0);
    assert.match(String(body['Created']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('an unknown container is 404 No such container', async () => {
    for (const [method, path] of [
      ['GET', '/containers/ghost/json'],
      ['POST', '/containers/ghost/start'],
      ['DELETE', '/containers/ghost'],
      ['POST', '/containers/ghost/wait'],
      ['GET', '/containers/ghost/logs?stdout=1'],
    ] as const) {
      const res = await api.request(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.json, { message: 'No such container: ghost' });
    }
  });

  test('start/stop answer 204, or 304 when there is nothing to do', async () => {
    const id = await create('cycle');
    assert.equal((await api.request('POST', '/containers/cycle/stop')).status, 304);
    assert.equal((await api.request('POST', '/containers/cycle/start')).status, 204);
    assert.equal((await api.request('POST', '/containers/cycle/start')).status, 304);
    assert.equal((await api.request('POST', '/containers/cycle/kill?signal=SIGUSR1')).status, 204);
    assert.deepEqual(fake.calls.at(-1), ['kill', id, 'SIGUSR1']);
    assert.equal((await api.request('POST', '/containers/cycle/stop?t=3&signal=SIGINT')).status, 204);
    assert.deepEqual(fake.calls.at(-1), ['stop', id, { timeoutSeconds: 3, signal: 'SIGINT' }]);
    assert.equal((await api.request('POST', '/containers/cycle/stop?t=soon')).status, 400);
    assert.equal((await api.request('POST', '/containers/cycle/restart?t=1')).status, 204);
    assert.equal((await api.request('POST', '/containers/cycle/rename?name=cycled')).status, 204);
    assert.equal((await api.request('POST', '/containers/cycled/resize?h=40&w=120')).status, 200);
    assert.deepEqual(fake.calls.at(-1), ['resize', id, 120, 40]);
    assert.equal((await api.request('DELETE', '/containers/cycled?force=1&v=1')).status, 204);
    assert.deepEqual(fake.calls.at(-1), ['remove', id, { force: true, volumes: true }]);
  });

  test('list: Docker’s summary shape, running only unless all, filters', async () => {
    const up = await create('listed-up', { Labels: { app: 'x' } });
    await api.request('POST', '/containers/listed-up/start');
    const down = await create('listed-down');
    await api.request('POST', '/containers/listed-down/start');
    fake.exit(down, 3);

    const running = await api.request('GET', '/containers/json');
    const runningIds = (running.json as Obj[]).map((c) => c['Id']);
    assert.ok(runningIds.includes(up));
    assert.ok(!runningIds.includes(down));

    const all = (await api.request('GET', '/containers/json?all=1')).json as Obj[];
    const summary = all.find((c) => c['Id'] === up) ?? {};
    assert.deepEqual(summary['Names'], ['/listed-up']);
    assert.equal(summary['Image'], 'busybox');
    assert.match(String(summary['ImageID']), /^sha256:/);
    assert.equal(summary['Command'], 'sh');
    assert.equal(typeof summary['Created'], 'number');
    assert.deepEqual(summary['Ports'], []);
    assert.deepEqual(summary['Labels'], { app: 'x' });
    assert.equal(summary['State'], 'running');
    assert.equal(summary['Status'], 'Up 3 seconds');
    assert.deepEqual(summary['HostConfig'], { NetworkMode: 'bridge' });
    assert.deepEqual(summary['NetworkSettings'], { Networks: {} });
    assert.deepEqual(summary['Mounts'], []);
    const exited = all.find((c) => c['Id'] === down) ?? {};
    assert.equal(exited['Status'], 'Exited (3) Less than a second ago');

    const q = (filters: Obj): string => `/containers/json?filters=${encodeURIComponent(JSON.stringify(filters))}`;
    const ids = async (path: string): Promise<unknown[]> => ((await api.request('GET', path)).json as Obj[]).map((c) => c['Id']);
    assert.deepEqual(await ids(q({ status: ['exited'], name: ['listed'] })), [down]);
    assert.deepEqual(await ids(q({ exited: ['3'] })), [down]);
    assert.deepEqual(await ids(q({ label: ['app=x'] })), [up]);
    assert.deepEqual(await ids(q({ id: [down] }) + '&all=1'), [down]);
    assert.ok((await ids(q({ ancestor: ['busybox:latest'] }))).includes(up));
    assert.deepEqual(await ids(q({ ancestor: ['alpine'] })), []);
    assert.equal((await ids('/containers/json?limit=1')).length, 1);
    assert.equal((await api.request('GET', q({ status: ['sleeping'] }))).status, 400);
  });

  test('wait sends its headers before the container exits, then the status', async () => {
    const id = await create('waited');
    const client = api.raw(`POST /v1.51/containers/${id}/wait?condition=next-exit HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n`);
    const headers = await client.until((d) => splitHead(d) !== undefined);
    const split = splitHead(headers);
    assert.match(split?.head ?? '', /^HTTP\/1\.1 200 OK/);
    assert.match(split?.head ?? '', /Content-Type: application\/json/i);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!client.received().toString().includes('StatusCode'), 'no result before the exit');
    assert.deepEqual(fake.calls.at(-1), ['wait', id, 'next-exit']);
    fake.exit(id, 7);
    const done = await client.until((d) => d.toString().includes('StatusCode'));
    assert.match(done.toString(), /\{"StatusCode":7,"Error":null\}/);
    client.socket.destroy();
    assert.equal((await api.request('POST', `/containers/${id}/wait?condition=sometime`)).status, 400);
  });

  test('prune removes stopped containers and reports them', async () => {
    const gone = await create('prunable');
    const kept = await create('kept');
    await api.request('POST', '/containers/kept/start');
    const res = await api.request('POST', '/containers/prune');
    assert.equal(res.status, 200);
    const deleted = obj(res.json)['ContainersDeleted'] as string[];
    assert.ok(deleted.includes(gone));
    assert.ok(!deleted.includes(kept));
    assert.equal(obj(res.json)['SpaceReclaimed'], 0);
  });

  test('stats: one-shot, a non-streamed answer with precpu, a stream', async () => {
    await create('measured');
    await api.request('POST', '/containers/measured/start');
    const once = obj((await api.request('GET', '/containers/measured/stats?stream=false&one-shot=true')).json);
    assert.equal(once['name'], '/measured');
    assert.equal(once['preread'], '0001-01-01T00:00:00Z');
    assert.equal(obj(obj(once['precpu_stats'])['cpu_usage'])['total_usage'], 0);
    assert.deepEqual(obj(once['pids_stats']), { current: 3, limit: 100 });
    assert.equal(obj(once['memory_stats'])['limit'], 1 << 30);
    assert.equal(obj(once['cpu_stats'])['online_cpus'], 2);

    const twice = obj((await api.request('GET', '/containers/measured/stats?stream=false')).json);
    const cpu = obj(obj(twice['cpu_stats'])['cpu_usage'])['total_usage'] as number;
    const precpu = obj(obj(twice['precpu_stats'])['cpu_usage'])['total_usage'] as number;
    assert.ok(precpu > 0 && cpu > precpu);
    assert.notEqual(twice['preread'], '0001-01-01T00:00:00Z');

    const client = api.raw('GET /containers/measured/stats HTTP/1.1\r\nHost: docker\r\n\r\n');
    const data = await client.until((d) => (d.toString().match(/"read"/g) ?? []).length >= 3);
    const docs = data
      .toString()
      .split('\r\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Obj);
    const total = (d: Obj | undefined, key: string): unknown => obj(obj(d?.[key])['cpu_usage'])['total_usage'];
    assert.equal(total(docs[1], 'precpu_stats'), total(docs[0], 'cpu_stats'));
    client.socket.destroy();

    await create('idle');
    const idle = obj((await api.request('GET', '/containers/idle/stats?stream=false')).json);
    assert.equal(idle['read'], '0001-01-01T00:00:00Z');
  });

  test('top and archive', async () => {
    await create('files');
    const top = await api.request('GET', '/containers/files/top?ps_args=aux');
    assert.deepEqual(top.json, { Titles: ['PID', 'CMD', 'aux'], Processes: [['1', 'sh', '']] });

    const head = await api.request('HEAD', '/containers/files/archive?path=/etc');
    assert.equal(head.status, 200);
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()) as Obj;
    assert.deepEqual(stat, { name: 'etc', size: 4096, mode: 2 ** 31 + 0o755, mtime: '2024-05-01T10:00:00Z', linkTarget: '' });

    const get = await api.request('GET', '/containers/files/archive?path=/etc');
    assert.equal(get.headers['content-type'], 'application/x-tar');
    assert.equal(get.text, 'tar-bytes');
    assert.equal((await api.request('GET', '/containers/files/archive?path=/nope')).status, 404);
    assert.equal((await api.request('GET', '/containers/files/archive')).status, 400);

    const put = await api.request('PUT', '/containers/files/archive?path=/tmp&noOverwriteDirNonDir=true', 'some-tar');
    assert.equal(put.status, 200);
    assert.deepEqual(fake.calls.at(-1), ['putArchive', '/tmp', 'some-tar', { noOverwriteDirNonDir: true }]);
  });
});
