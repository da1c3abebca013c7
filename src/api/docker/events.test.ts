import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, splitHead, dechunk, type TestApi } from './api-testing.js';
import { eventJson } from './events.js';
import { FakeContainers } from './fake-containers.js';

type Obj = Record<string, unknown>;

const events = (data: Buffer): Obj[] =>
  dechunk(splitHead(data)?.rest ?? Buffer.alloc(0))
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Obj);

describe('events', () => {
  let fake: FakeContainers;
  let api: TestApi;
  before(async () => {
    fake = new FakeContainers();
    api = await startTestApi(fake);
  });
  after(() => api.close());

  test('an event in Docker’s shape, with an exact timeNano', () => {
    const text = eventJson({
      type: 'container',
      action: 'die',
      id: 'abc',
      attributes: { name: 'web', image: 'busybox', exitCode: '0' },
      time: new Date(1714557600123),
    });
    assert.equal(
      text,
      '{"status":"die","id":"abc","from":"busybox","Type":"container","Action":"die",' +
        '"Actor":{"ID":"abc","Attributes":{"name":"web","image":"busybox","exitCode":"0"}},' +
        '"scope":"local","time":1714557600,"timeNano":1714557600123000000}',
    );
  });

  test('the stream sends headers at once, then matching events as they happen', async () => {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start', 'die'] }));
    const client = api.raw(`GET /v1.51/events?filters=${filters} HTTP/1.1\r\nHost: docker\r\n\r\n`);
    await client.until((d) => splitHead(d) !== undefined);
    assert.match(splitHead(client.received())?.head ?? '', /^HTTP\/1\.1 200 OK[\s\S]*Content-Type: application\/json/);
    const created = await api.request('POST', '/containers/create?name=ev', { Image: 'busybox' });
    const id = String((created.json as Obj)['Id']);
    fake.emit(id, 'start');
    fake.emit(id, 'die');
    await client.until((d) => events(d).length === 2);
    const [start, die] = events(client.received());
    assert.equal(start?.['Action'], 'start');
    assert.equal(start?.['status'], 'start');
    assert.equal(start?.['Type'], 'container');
    assert.equal(start?.['id'], id);
    assert.equal(start?.['from'], 'busybox');
    assert.equal(start?.['scope'], 'local');
    assert.deepEqual(start?.['Actor'], { ID: id, Attributes: { name: 'ev', image: 'busybox' } });
    assert.equal(die?.['Action'], 'die');
    client.socket.destroy();
  });

  test('since replays, until ends the stream, container filters by name', async () => {
    const created = await api.request('POST', '/containers/create?name=past', { Image: 'busybox' });
    const id = String((created.json as Obj)['Id']);
    const t0 = Date.now() / 1000;
    fake.emit(id, 'start');
    fake.emit(id, 'stop');
    const filters = encodeURIComponent(JSON.stringify({ container: ['past'] }));
    const client = api.raw(
      `GET /events?since=${t0 - 1}&until=${t0 + 0.2}&filters=${filters} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`,
    );
    await client.ended;
    assert.deepEqual(
      events(client.received()).map((e) => e['Action']),
      ['create', 'start', 'stop'],
    );
  });
});
