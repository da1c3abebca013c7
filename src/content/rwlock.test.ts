import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RwLock } from './rwlock.js';
import { settle } from './testutil.js';

test('shared holders run together; exclusive runs alone; order of arrival is kept', async () => {
  const lock = new RwLock();
  const events: string[] = [];
  let releaseFirst = (): void => undefined;
  const first = lock.shared(
    () =>
      new Promise<void>((resolve) => {
        events.push('shared1 start');
        releaseFirst = () => {
          events.push('shared1 end');
          resolve();
        };
      }),
  );
  const second = lock.shared(() => void events.push('shared2'));
  const exclusive = lock.exclusive(() => void events.push('exclusive'));
  const late = lock.shared(() => void events.push('shared3'));
  await settle();
  assert.deepEqual(events, ['shared1 start', 'shared2'], 'a second shared holder joins; exclusive waits');
  releaseFirst();
  await Promise.all([first, second, exclusive, late]);
  assert.deepEqual(events, ['shared1 start', 'shared2', 'shared1 end', 'exclusive', 'shared3']);
});

test('a throwing holder releases the lock', async () => {
  const lock = new RwLock();
  await assert.rejects(lock.exclusive(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lock.exclusive(() => 'free'), 'free');
  await assert.rejects(lock.shared(() => { throw new Error('sync boom'); }), /sync boom/);
  assert.equal(await lock.exclusive(() => 'free again'), 'free again');
});
