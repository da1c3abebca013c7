import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isAlreadyExists, isUnavailable } from '../../lib/index.js';
import { runStorageConformance, take } from './conformance.js';
import { openSqliteStore } from './sqlite.js';

runStorageConformance('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-storage-'));
  const store = await openSqliteStore({ path: join(dir, 'state.db'), compaction: false });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const withDir = async (fn: (dir: string) => Promise<void>): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-storage-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

test('sqlite: state and revisions survive reopening', () =>
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const a = await openSqliteStore({ path, compaction: false });
    await a.create('/k/1', Buffer.from('one'));
    const r = await a.update('/k/1', Buffer.from('two'));
    await a.create('/k/2', Buffer.from('x'));
    const d = await a.delete('/k/2');
    await a.compact(d.revision);
    await a.close();
    const b = await openSqliteStore({ path, compaction: false });
    try {
      assert.equal(await b.currentRevision(), d.revision);
      assert.deepEqual(await b.get('/k/1'), { key: '/k/1', value: Buffer.from('two'), createRevision: r - 1, modRevision: r, version: 2 });
      // Revisions are never reused, even when compaction dropped the newest row.
      assert.equal(await b.create('/k/3', Buffer.from('y')), d.revision + 1);
    } finally {
      await b.close();
    }
    await assert.rejects(b.get('/k/1'), isUnavailable);
    await b.close();
  }));

test('sqlite: automatic compaction bounds the log', () =>
  withDir(async (dir) => {
    const store = await openSqliteStore({
      path: join(dir, 'state.db'),
      compaction: { intervalMs: 20, keepRevisions: 50, keepMs: 0 },
    });
    try {
      await store.create('/k', Buffer.from('0'));
      for (let i = 1; i < 300; i++) await store.update('/k', Buffer.from(String(i)));
      const current = await store.currentRevision();
      for (let i = 0; i < 100 && (await store.list({ prefix: '/', revision: current - 51 }).then(() => true, () => false)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await assert.rejects(store.list({ prefix: '/', revision: current - 51 }), /compacted/);
      assert.equal((await store.list({ prefix: '/', revision: current - 50 })).items.length, 1);
      assert.equal((await store.get('/k'))?.value.toString(), '299');
      const db = new Database(join(dir, 'state.db'), { readonly: true });
      const { n } = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM log').get() ?? { n: -1 };
      db.close();
      assert.ok(n <= 51, `the log holds ${n} rows, not 300`);
    } finally {
      await store.close();
    }
  }));

test('sqlite: writes of one tick are applied in call order, each seeing the ones before it', () =>
  withDir(async (dir) => {
    const store = await openSqliteStore({ path: join(dir, 'state.db'), compaction: false });
    try {
      const start = await store.currentRevision();
      const watch = store.watch({ prefix: '/k', fromRevision: start });
      const outcomes = await Promise.allSettled([
        store.create('/k', Buffer.from('1')),
        store.update('/k', Buffer.from('2')),
        store.create('/k', Buffer.from('x')),
        store.delete('/k').then((d) => d.revision),
        store.update('/k', Buffer.from('y')),
        store.create('/k', Buffer.from('3')),
        store.update('/k', Buffer.from('4'), start + 4),
        store.update('/k', Buffer.from('z'), start + 4),
      ]);
      const revisions = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
      assert.deepEqual(revisions, [start + 1, start + 2, undefined, start + 3, undefined, start + 4, start + 5, undefined]);
      assert.ok(outcomes[2]?.status === 'rejected' && isAlreadyExists(outcomes[2].reason));
      assert.match(String(outcomes[4]?.status === 'rejected' && outcomes[4].reason), /not found/);
      assert.match(String(outcomes[7]?.status === 'rejected' && outcomes[7].reason), /modified at revision/);
      const events = await take(watch, 5);
      watch.close();
      assert.deepEqual(
        events.map((e) => [e.type, e.modRevision, e.value.toString()]),
        [['PUT', start + 1, '1'], ['PUT', start + 2, '2'], ['DELETE', start + 3, ''], ['PUT', start + 4, '3'], ['PUT', start + 5, '4']],
      );
    } finally {
      await store.close();
    }
  }));

test('sqlite: a commit that fails fails every write of its group, and none is visible', () =>
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const store = await openSqliteStore({ path, compaction: false });
    const locker = new Database(path, { timeout: 0 });
    try {
      const before = await store.create('/a', Buffer.from('0'));
      // Another connection holds the write lock past the store's busy timeout.
      locker.exec('BEGIN IMMEDIATE');
      const outcomes = await Promise.allSettled([store.create('/b', Buffer.from('1')), store.update('/a', Buffer.from('2'))]);
      locker.exec('ROLLBACK');
      for (const o of outcomes) assert.match(String(o.status === 'rejected' && o.reason), /locked|busy/i);
      assert.equal(await store.currentRevision(), before);
      assert.equal(await store.get('/b'), undefined);
      assert.equal(await store.update('/a', Buffer.from('3')), before + 1, 'the next group commits');
    } finally {
      locker.close();
      await store.close();
    }
  }));

test('sqlite: close commits the writes already accepted, and refuses later ones', () =>
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const a = await openSqliteStore({ path, compaction: false });
    const accepted = Array.from({ length: 100 }, (_, i) => a.create(`/q/${i}`, Buffer.from(String(i))));
    await a.close();
    const revisions = await Promise.all(accepted);
    await assert.rejects(a.create('/q/late', Buffer.from('x')), isUnavailable);
    const b = await openSqliteStore({ path, compaction: false });
    try {
      const { items } = await b.list({ prefix: '/q/' });
      assert.equal(items.length, 100);
      for (const kv of items) assert.equal(kv.modRevision, revisions[Number(kv.value.toString())]);
    } finally {
      await b.close();
    }
  }));
