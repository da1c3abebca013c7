import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from './sqlite.js';

test('sqlite: every acknowledged write survives kill -9 of the writer', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-storage-crash-'));
  try {
    const path = join(dir, 'state.db');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-writer.js', import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: { revision: number; key: string; value: string }[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: child.stdout })) {
      const [revision, key, value] = line.split(' ');
      acked.push({ revision: Number(revision), key: key ?? '', value: value ?? '' });
      if (acked.length === 2000) child.kill('SIGKILL'); // mid-storm: it keeps writing until then
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.length >= 2000);

    const store = await openSqliteStore({ path, compaction: false });
    try {
      const max = Math.max(...acked.map((a) => a.revision));
      assert.ok((await store.currentRevision()) >= max);
      for (const { revision, key, value } of acked) {
        const [kv] = (await store.list({ prefix: key, revision, limit: 1 })).items;
        assert.equal(kv?.key, key);
        assert.equal(kv?.modRevision, revision, `${key} at ${revision}`);
        assert.equal(kv?.value.toString(), value);
      }
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
