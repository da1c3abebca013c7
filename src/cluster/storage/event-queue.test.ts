import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnavailable } from '../../lib/index.js';
import { EventQueue } from './event-queue.js';

test('delivers pushed items in order, to a waiting consumer too', async () => {
  const q = new EventQueue<number>({ limit: 10 });
  const pending = q.next();
  q.push(1);
  q.push(2);
  assert.deepEqual(await pending, { value: 1, done: false });
  assert.deepEqual(await q.next(), { value: 2, done: false });
  q.close();
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('overflow fails the queue after the buffered items and never blocks the producer', async () => {
  let stops = 0;
  const q = new EventQueue<number>({ limit: 3, onStop: () => stops++ });
  const accepted = [1, 2, 3, 4, 5].map((n) => q.push(n));
  assert.deepEqual(accepted, [true, true, true, false, false]);
  assert.equal(stops, 1);
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of q) seen.push(n);
  }, isUnavailable);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('refill is pulled while it has more, then producers take over', async () => {
  let page = 0;
  const q: EventQueue<number> = new EventQueue<number>({
    limit: 2,
    refill: () => {
      page++;
      if (page > 2) return false;
      q.push(page * 10);
      q.push(page * 10 + 1);
      return true;
    },
  });
  const got = [await q.next(), await q.next(), await q.next(), await q.next()].map((r) => r.value);
  assert.deepEqual(got, [10, 11, 20, 21]);
  const pending = q.next();
  q.push(99);
  assert.deepEqual(await pending, { value: 99, done: false });
  assert.equal(page, 3);
});

test('close while waiting ends the iteration', async () => {
  const q = new EventQueue<number>({ limit: 2 });
  const pending = q.next();
  q.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(q.push(1), false);
});
