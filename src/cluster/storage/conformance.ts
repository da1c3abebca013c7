/*
 * The behaviour every Store backend must share, as one suite that each backend's test file
 * runs against its own store: sqlite.test.ts always, the etcd one as an integration test.
 * Keys live under a fresh prefix per test, so a backend may hand out stores that share one
 * server; revisions are only ever compared with revisions the same test saw.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isAlreadyExists, isConflict, isGone, isInvalidArgument, isNotFound, isUnavailable } from '../../lib/index.js';
import type { Store, Watch, WatchEvent } from './types.js';

export type MakeStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const b = (s: string): Buffer => Buffer.from(s);
const text = (v: Buffer | undefined): string | undefined => v?.toString();

/** Reads `n` events, failing if they take longer than `ms`. */
export async function take(watch: Watch, n: number, ms = 10_000): Promise<WatchEvent[]> {
  const it = watch[Symbol.asyncIterator]();
  const out: WatchEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${out.length} of ${n} events`)), ms);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`watch ended after ${out.length} of ${n} events`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a watch to its end: the events it delivered and the error it ended with. */
async function drainToError(watch: Watch, ms = 10_000): Promise<{ events: WatchEvent[]; error: unknown }> {
  const it = watch[Symbol.asyncIterator]();
  const events: WatchEvent[] = [];
  const timer = setTimeout(() => watch.close(), ms);
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) return { events, error: new Error(`watch ended without an error after ${events.length} events`) };
      events.push(r.value);
    }
  } catch (error) {
    return { events, error };
  } finally {
    clearTimeout(timer);
  }
}

export function runStorageConformance(name: string, makeStore: MakeStore): void {
  describe(`storage conformance: ${name}`, () => {
    const withStore = (title: string, fn: (store: Store, prefix: string) => Promise<void>): void => {
      test(title, async () => {
        const { store, cleanup } = await makeStore();
        try {
          await fn(store, `/berth-test/${randomBytes(6).toString('hex')}/`);
        } finally {
          await store.close();
          await cleanup();
        }
      });
    };

    withStore('create, get, update, delete, recreate', async (store, p) => {
      const key = `${p}pods/ns/a`;
      assert.equal(await store.get(key), undefined);
      const r1 = await store.create(key, b('v1'));
      assert.equal(await store.currentRevision(), r1);
      assert.deepEqual(await store.get(key), { key, value: b('v1'), createRevision: r1, modRevision: r1, version: 1 });
      await assert.rejects(store.create(key, b('again')), isAlreadyExists);
      const r2 = await store.update(key, b('v2'));
      assert.equal(r2, r1 + 1);
      assert.deepEqual(await store.get(key), { key, value: b('v2'), createRevision: r1, modRevision: r2, version: 2 });
      const del = await store.delete(key);
      assert.equal(del.revision, r2 + 1);
      assert.deepEqual(del.prev, { key, value: b('v2'), createRevision: r1, modRevision: r2, version: 2 });
      assert.equal(await store.get(key), undefined);
      await assert.rejects(store.update(key, b('x')), isNotFound);
      await assert.rejects(store.delete(key), isNotFound);
      assert.equal(await store.currentRevision(), del.revision, 'failed writes do not bump the revision');
      const r4 = await store.create(key, b('v3'));
      assert.deepEqual(await store.get(key), { key, value: b('v3'), createRevision: r4, modRevision: r4, version: 1 });
      const empty = `${p}empty`;
      await store.create(empty, Buffer.alloc(0));
      assert.deepEqual((await store.get(empty))?.value, Buffer.alloc(0));
      await assert.rejects(store.create('', b('x')), isInvalidArgument);
    });

    withStore('preconditions on modRevision', async (store, p) => {
      const key = `${p}k`;
      const r1 = await store.create(key, b('1'));
      const r2 = await store.update(key, b('2'), r1);
      await assert.rejects(store.update(key, b('3'), r1), isConflict);
      await assert.rejects(store.delete(key, r1), isConflict);
      assert.equal(text((await store.get(key))?.value), '2');
      assert.equal(await store.currentRevision(), r2);
      await assert.rejects(store.update(`${p}absent`, b('x'), r1), isNotFound);
      const del = await store.delete(key, r2);
      assert.equal(text(del.prev.value), '2');
    });

    withStore('list pages at one consistent revision', async (store, p) => {
      const keys = Array.from({ length: 25 }, (_, i) => `${p}pods/${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.create(key, b(`old ${key}`));
      await store.create(`${p}pods-other/x`, b('outside the prefix'));
      await store.create(`${p}pod`, b('outside too'));

      const first = await store.list({ prefix: `${p}pods/`, limit: 10 });
      assert.equal(first.items.length, 10);
      assert.equal(first.more, true);
      assert.equal(first.revision, await store.currentRevision());
      // The world moves on between pages…
      await store.update(keys[15] as string, b('new'));
      await store.delete(keys[20] as string);
      await store.create(`${p}pods/99`, b('new key'));
      assert.equal(await store.count(`${p}pods/`), 25);

      // …but the next pages, read at the first page's revision, do not see it.
      const seen = [...first.items];
      let page = first;
      while (page.more) {
        const last = page.items[page.items.length - 1]?.key;
        page = await store.list({ prefix: `${p}pods/`, limit: 10, continueAfterKey: last, revision: first.revision });
        assert.equal(page.revision, first.revision);
        seen.push(...page.items);
      }
      assert.deepEqual(seen.map((kv) => kv.key), keys);
      assert.ok(seen.every((kv) => text(kv.value) === `old ${kv.key}`));

      const now = await store.list({ prefix: `${p}pods/` });
      assert.equal(now.more, false);
      assert.equal(now.items.length, 25);
      assert.equal(now.items[now.items.length - 1]?.key, `${p}pods/99`);
      assert.ok(!now.items.some((kv) => kv.key === keys[20]));
      assert.equal(text(now.items.find((kv) => kv.key === keys[15])?.value), 'new');
      assert.equal((await store.list({ prefix: p })).items.length, 27);
      assert.equal((await store.list({ prefix: `${p}nothing/`, limit: 5 })).items.length, 0);
    });

    withStore('list at an old revision; future revisions are refused', async (store, p) => {
      const a = `${p}a`;
      const r1 = await store.create(a, b('1'));
      const r2 = await store.update(a, b('2'));
      const r3 = await store.delete(a);
      const at = async (revision: number): Promise<string[]> =>
        (await store.list({ prefix: p, revision })).items.map((kv) => `${kv.modRevision}:${text(kv.value)}`);
      assert.deepEqual(await at(r1), [`${r1}:1`]);
      assert.deepEqual(await at(r2), [`${r2}:2`]);
      assert.deepEqual(await at(r3.revision), []);
      assert.deepEqual(await at(r1 - 1), []);
      await assert.rejects(store.list({ prefix: p, revision: r3.revision + 1000 }), isInvalidArgument);
    });

    withStore('compaction: old reads and watches are gone, current state is intact', async (store, p) => {
      const kept = `${p}kept`;
      const churn = `${p}churn`;
      const dead = `${p}dead`;
      await store.create(kept, b('kept'));
      const c0 = await store.create(churn, b('0'));
      for (let i = 1; i <= 5; i++) await store.update(churn, b(String(i)));
      await store.create(dead, b('dead'));
      const dr = await store.delete(dead);
      const compactAt = dr.revision;
      const after1 = await store.update(churn, b('after'));

      await store.compact(compactAt);
      await store.compact(compactAt - 1); // at or below the compact revision: nothing to do
      await assert.rejects(store.list({ prefix: p, revision: c0 }), isGone);
      await assert.rejects(store.list({ prefix: p, revision: compactAt - 1 }), isGone);
      const atCompact = await store.list({ prefix: p, revision: compactAt });
      assert.deepEqual(atCompact.items.map((kv) => `${kv.key.slice(p.length)}=${text(kv.value)}`), ['churn=5', 'kept=kept']);
      assert.equal(text((await store.get(churn))?.value), 'after');
      assert.equal((await store.get(churn))?.version, 7);
      assert.equal(await store.get(dead), undefined);

      await assert.rejects(take(store.watch({ prefix: p, fromRevision: compactAt - 1 }), 1), isGone);
      const w = store.watch({ prefix: p, fromRevision: compactAt });
      const [ev] = await take(w, 1);
      w.close();
      assert.equal(ev?.modRevision, after1);
      assert.equal(text(ev?.prevValue), '5');
      await assert.rejects(store.compact((await store.currentRevision()) + 10), isInvalidArgument);
    });

    withStore('watch replays history with prev values, then follows live writes', async (store, p) => {
      const key = `${p}pods/a`;
      const start = await store.currentRevision();
      const r1 = await store.create(key, b('1'));
      const r2 = await store.update(key, b('2'));
      const r3 = (await store.delete(key)).revision;
      await store.create(`${p}other/b`, b('not watched'));
      const w = store.watch({ prefix: `${p}pods/`, fromRevision: start });
      const replay = await take(w, 3);
      assert.deepEqual(replay, [
        { type: 'PUT', key, value: b('1'), modRevision: r1, createRevision: r1 },
        { type: 'PUT', key, value: b('2'), prevValue: b('1'), modRevision: r2, createRevision: r1 },
        { type: 'DELETE', key, value: Buffer.alloc(0), prevValue: b('2'), modRevision: r3, createRevision: r1 },
      ]);
      const r4 = await store.create(`${p}pods/c`, b('live'));
      const [live] = await take(w, 1);
      assert.equal(live?.modRevision, r4);
      // From the middle of history: only what came after.
      const mid = store.watch({ prefix: `${p}pods/`, fromRevision: r2 });
      assert.deepEqual((await take(mid, 2)).map((e) => e.modRevision), [r3, r4]);
      mid.close();
      w.close();
      const after = await w[Symbol.asyncIterator]().next();
      assert.equal(after.done, true, 'a closed watch ends');
    });

    withStore('watchers see every revision in order under 10 concurrent writers', async (store, p) => {
      const start = await store.currentRevision();
      const early = Array.from({ length: 4 }, () => store.watch({ prefix: p, fromRevision: start }));
      const readers = early.map((w) => take(w, 1000, 30_000));
      const acked: number[] = [];
      let late: Watch | undefined;
      let lateReader: Promise<WatchEvent[]> | undefined;
      const writer = async (id: number): Promise<void> => {
        const key = `${p}w${id}/obj`;
        let rev = await store.create(key, b(`${id}:0`));
        acked.push(rev);
        for (let i = 1; i < 100; i++) {
          if (id === 0 && i === 50) {
            // A watcher that joins mid-storm, from the very beginning: replay, then live.
            late = store.watch({ prefix: p, fromRevision: start });
            lateReader = take(late, 1000, 30_000);
          }
          rev = i === 99 ? (await store.delete(key, rev)).revision : await store.update(key, b(`${id}:${i}`), rev);
          acked.push(rev);
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, id) => writer(id)));
      acked.sort((x, y) => x - y);
      assert.equal(acked.length, 1000);
      for (const events of await Promise.all([...readers, lateReader as Promise<WatchEvent[]>])) {
        assert.deepEqual(events.map((e) => e.modRevision), acked);
        const byKey = new Map<string, number>();
        for (const e of events) {
          const [id, i] = (e.type === 'DELETE' ? '' : e.value.toString()).split(':');
          const n = byKey.get(e.key) ?? -1;
          if (e.type === 'PUT') {
            assert.equal(Number(i), n + 1, `events of ${e.key} in write order`);
            assert.equal(e.key, `${p}w${id}/obj`);
          } else {
            assert.equal(n, 98);
          }
          byKey.set(e.key, n + 1);
        }
      }
      for (const w of [...early, late]) w?.close();
    });

    withStore('concurrent writes each get their own outcome, revision and event', async (store, p) => {
      const n = 40;
      const existing = Array.from({ length: n }, (_, i) => `${p}old/${i}`);
      const created = new Map<string, number>();
      for (const key of existing) created.set(key, await store.create(key, b('0')));
      const start = await store.currentRevision();
      const watch = store.watch({ prefix: p, fromRevision: start });

      type Outcome = { key: string; value: string; revision?: number; error?: unknown };
      const attempt = (key: string, value: string, write: () => Promise<number>): Promise<Outcome> =>
        write().then(
          (revision) => ({ key, value, revision }),
          (error: unknown) => ({ key, value, error }),
        );
      // All in flight at once: two racing updates per existing key from the same revision
      // (only one can win), an update from a revision already superseded, two racing
      // creates per new key, an update and a delete of a key that does not exist.
      const racingUpdates: Promise<Outcome>[][] = [];
      const staleUpdates: Promise<Outcome>[] = [];
      const racingCreates: Promise<Outcome>[][] = [];
      const absent: Promise<Outcome>[] = [];
      for (let i = 0; i < n; i++) {
        const key = existing[i] as string;
        const rev = created.get(key) as number;
        racingUpdates.push(['a', 'b'].map((v) => attempt(key, `${v}${i}`, () => store.update(key, b(`${v}${i}`), rev))));
        staleUpdates.push(attempt(key, 'stale', () => store.update(key, b('stale'), rev - 1)));
        const fresh = `${p}new/${i}`;
        racingCreates.push(['x', 'y'].map((v) => attempt(fresh, `${v}${i}`, () => store.create(fresh, b(`${v}${i}`)))));
        absent.push(attempt(`${p}absent/${i}`, 'u', () => store.update(`${p}absent/${i}`, b('u'))));
        absent.push(attempt(`${p}absent/${i}`, 'd', () => store.delete(`${p}absent/${i}`).then((d) => d.revision)));
      }

      const winners: Outcome[] = [];
      for (const [group, loses] of [
        [racingUpdates, isConflict],
        [racingCreates, isAlreadyExists],
      ] as const) {
        for (const pair of group) {
          const outcomes = await Promise.all(pair);
          const won = outcomes.filter((o) => o.revision !== undefined);
          assert.equal(won.length, 1, `exactly one of ${outcomes.map((o) => o.value).join(', ')} on ${outcomes[0]?.key} wins`);
          winners.push(won[0] as Outcome);
          const lost = outcomes.find((o) => o.revision === undefined);
          assert.ok(loses(lost?.error), `the other is refused: ${String(lost?.error)}`);
        }
      }
      for (const o of await Promise.all(staleUpdates)) assert.ok(isConflict(o.error), `stale update of ${o.key}: ${String(o.error)}`);
      for (const o of await Promise.all(absent)) assert.ok(isNotFound(o.error), `write to absent ${o.key}: ${String(o.error)}`);

      winners.sort((x, y) => (x.revision as number) - (y.revision as number));
      const revisions = winners.map((w) => w.revision as number);
      assert.equal(new Set(revisions).size, revisions.length, 'every write has its own revision');
      assert.ok((revisions[0] as number) > start);
      assert.equal(await store.currentRevision(), revisions[revisions.length - 1], 'refused writes bump nothing');

      const events = await take(watch, winners.length);
      watch.close();
      assert.deepEqual(
        events.map((e) => [e.modRevision, e.key, text(e.value)]),
        winners.map((w) => [w.revision, w.key, w.value]),
        'the watch sees every accepted write once, in revision order',
      );
      for (const w of winners) {
        const kv = await store.get(w.key);
        assert.equal(kv?.modRevision, w.revision);
        assert.equal(text(kv?.value), w.value);
      }
    });

    withStore('one list returns more than 4 MiB of values', async (store, p) => {
      const value = Buffer.alloc(1024 * 1024, 'v');
      for (let i = 0; i < 6; i++) await store.create(`${p}big/${i}`, value);
      const all = await store.list({ prefix: `${p}big/` });
      assert.equal(all.items.length, 6);
      assert.equal(all.more, false);
      for (const kv of all.items) assert.ok(kv.value.equals(value));
    });

    withStore('a slow watcher is cut off without holding up writers or other watchers', async (store, p) => {
      const start = await store.currentRevision();
      const slow = store.watch({ prefix: p, fromRevision: start, maxBuffered: 20 });
      const fast = store.watch({ prefix: p, fromRevision: start });
      const slowFirst = slow[Symbol.asyncIterator]().next();
      const fastReader = take(fast, 200);
      const began = Date.now();
      const acked: number[] = [];
      for (let i = 0; i < 200; i++) acked.push(await store.create(`${p}k${i}`, b(String(i))));
      const writing = Date.now() - began;
      assert.deepEqual((await fastReader).map((e) => e.modRevision), acked);
      fast.close();

      const first = await slowFirst;
      assert.equal(first.done, false);
      const { events, error } = await drainToError(slow);
      assert.ok(isUnavailable(error), `slow watcher ends with 'unavailable', got ${String(error)}`);
      const got = [(first.value as WatchEvent).modRevision, ...events.map((e) => e.modRevision)];
      assert.deepEqual(got, acked.slice(0, got.length), 'what it did get is gap-free');
      assert.ok(got.length <= 22, `at most the buffer was kept (${got.length})`);
      assert.ok(writing < 20_000, `writes were not held up (${writing} ms)`);
    });
  });
}
