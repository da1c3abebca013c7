import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acquireFileLock } from './lockfile.js';
import { tempDir } from './testutil.js';

test('the lock is exclusive within a process and is free again on release', async (t) => {
  const path = join(await tempDir(t), 'gc.lock');
  const release = acquireFileLock(path);
  assert.throws(() => acquireFileLock(path), { kind: 'conflict' });
  release();
  acquireFileLock(path)();
});

test('the lock is exclusive across processes and dies with its holder', async (t) => {
  const path = join(await tempDir(t), 'gc.lock');
  const script = `
    import('${new URL('./lockfile.js', import.meta.url).href}').then(({ acquireFileLock }) => {
      try { acquireFileLock(process.argv[1]); console.log('took'); } catch (err) { console.log(err.kind); }
    });`;
  const tryInChild = async (): Promise<string> =>
    (await promisify(execFile)(process.execPath, ['-e', script, path])).stdout.trim();
  const release = acquireFileLock(path);
  assert.equal(await tryInChild(), 'conflict');
  release();
  assert.equal(await tryInChild(), 'took', 'the child exits holding it; the kernel releases it');
  acquireFileLock(path)();
});
