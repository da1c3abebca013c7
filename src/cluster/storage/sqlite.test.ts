import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isUnavailable } from '../../lib/index.js';
import { runStorageConformance } from './conformance.js';
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
