import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Metadata } from './metadata.js';
import { tempDir } from './testutil.js';

test('opens in WAL mode with synchronous FULL and foreign keys on', async (t) => {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  assert.equal(metadata.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(metadata.db.pragma('synchronous', { simple: true }), 2);
  assert.equal(metadata.db.pragma('foreign_keys', { simple: true }), 1);
});

test('migrations apply once per namespace, in order, and later steps can be appended', async (t) => {
  const path = join(await tempDir(t), 'metadata.db');
  const first = Metadata.open(path);
  const steps = ['CREATE TABLE widgets (id TEXT PRIMARY KEY)'];
  assert.equal(first.version('widgets'), 0);
  assert.equal(first.migrate('widgets', steps), 1);
  assert.equal(first.migrate('widgets', steps), 1, 'idempotent');
  assert.equal(first.migrate('gadgets', ['CREATE TABLE gadgets (id TEXT)']), 1, 'namespaces are independent');
  first.close();

  const second = Metadata.open(path);
  t.after(() => second.close());
  const grown = [...steps, (db: typeof second.db) => db.exec("INSERT INTO widgets VALUES ('w1')"), 'ALTER TABLE widgets ADD COLUMN color TEXT'];
  assert.equal(second.migrate('widgets', grown), 3);
  assert.deepEqual(second.db.prepare('SELECT id, color FROM widgets').all(), [{ id: 'w1', color: null }]);
});

test('a failing migration rolls back its step and leaves the version', async (t) => {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  const steps = ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1)'];
  assert.throws(() => metadata.migrate('ns', steps));
  assert.equal(metadata.version('ns'), 1);
  assert.deepEqual(metadata.db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").all(), []);
});

test('a schema newer than the code is refused', async (t) => {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  metadata.migrate('ns', ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (x INTEGER)']);
  assert.throws(() => metadata.migrate('ns', ['CREATE TABLE a (x INTEGER)']), { kind: 'failed-precondition' });
});

test('relaxed commits skip the wait for the disk and restore synchronous FULL', async (t) => {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  metadata.migrate('r', ['CREATE TABLE r (x INTEGER)']);
  const seen = metadata.relaxed(() => {
    metadata.db.prepare('INSERT INTO r (x) VALUES (1)').run();
    return metadata.db.pragma('synchronous', { simple: true });
  });
  assert.equal(seen, 1, 'NORMAL inside');
  assert.equal(metadata.db.pragma('synchronous', { simple: true }), 2, 'FULL after');
  assert.throws(() => metadata.relaxed(() => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(metadata.db.pragma('synchronous', { simple: true }), 2, 'FULL after a failure');
  assert.deepEqual(metadata.db.prepare('SELECT count(*) AS n FROM r').get(), { n: 1 }, 'the relaxed insert committed');
});
