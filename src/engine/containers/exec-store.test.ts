import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorKind } from '../../lib/index.js';
import { ExecStore, FINISHED_EXECS_KEPT } from './exec-store.js';

test('create gives 64-hex IDs; get by full ID; unknown IDs are not found with Docker\'s message', () => {
  const store = new ExecStore();
  const { record } = store.create('c1', { cmd: ['ls'] });
  assert.match(record.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(record, { id: record.id, containerId: 'c1', request: { cmd: ['ls'] }, running: false, exitCode: null, pid: 0 });
  assert.equal(store.get(record.id).record, record);
  assert.throws(() => store.get(record.id.slice(0, 12)), (err: Error) => errorKind(err) === 'not-found' && err.message === `No such exec instance: ${record.id.slice(0, 12)}`);
});

test('a container keeps its last finished execs; forgetContainer drops them all', () => {
  const store = new ExecStore();
  const other = store.create('c2', { cmd: ['x'] });
  const entries = Array.from({ length: FINISHED_EXECS_KEPT + 3 }, () => store.create('c1', { cmd: ['x'] }));
  const running = store.create('c1', { cmd: ['y'] });
  running.record.running = true;
  for (const e of entries) store.finished(e, 0);
  const ids = store.idsOf('c1');
  assert.equal(ids.length, FINISHED_EXECS_KEPT + 1);
  assert.ok(!ids.includes(entries[0]!.record.id), 'the oldest finished ones go first');
  assert.ok(ids.includes(running.record.id), 'a running exec stays');
  store.forgetContainer('c1');
  assert.deepEqual(store.idsOf('c1'), []);
  assert.deepEqual(store.idsOf('c2'), [other.record.id]);
});
