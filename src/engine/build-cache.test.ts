import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Metadata } from '../content/index.js';
import type { Digest } from '../oci/index.js';
import { openBuildCache } from './build-cache.js';

test('build cache entries survive a reopen of the metadata database, and clear() forgets them', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-cache-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'metadata.db');
  const id = `sha256:${'1'.repeat(64)}` as Digest;
  const other = `sha256:${'2'.repeat(64)}` as Digest;
  let metadata = Metadata.open(file);
  let cache = openBuildCache(metadata);
  assert.equal(cache.get('k'), undefined);
  cache.put('k', id);
  cache.put('k', other);
  metadata.close();
  metadata = Metadata.open(file);
  cache = openBuildCache(metadata);
  assert.equal(cache.get('k'), other);
  assert.equal(cache.clear(), 1);
  assert.equal(cache.get('k'), undefined);
  metadata.close();
});
