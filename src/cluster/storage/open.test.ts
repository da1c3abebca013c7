import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isInvalidArgument } from '../../lib/index.js';
import { EtcdStore } from './etcd.js';
import { openStore } from './open.js';
import { SqliteStore } from './sqlite.js';

test('openStore picks the backend from the datastore URL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-storage-open-'));
  try {
    for (const spec of [`sqlite://${join(dir, 'a.db')}`, join(dir, 'b.db')]) {
      const store = await openStore(spec);
      assert.ok(store instanceof SqliteStore);
      await store.close();
    }
    const etcd = await openStore('etcd://127.0.0.1:1,127.0.0.1:2');
    assert.ok(etcd instanceof EtcdStore);
    await etcd.close();
    await assert.rejects(openStore('etcd://'), isInvalidArgument);
    await assert.rejects(openStore('postgres://db'), isInvalidArgument);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
