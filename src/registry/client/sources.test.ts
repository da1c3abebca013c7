import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '../../content/index.js';
import { digestOf } from '../../oci/index.js';
import { BlobSources } from './sources.js';

test('blob sources: newest first, per registry, excluding the target, forgettable, bounded', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sources-'));
  const metadata = Metadata.open(join(dir, 'metadata.db'));
  t.after(async () => {
    metadata.close();
    await rm(dir, { recursive: true, force: true });
  });
  const sources = new BlobSources(metadata);
  const blob = digestOf(Buffer.from('blob'));
  sources.record('r1:5000', 'team/a', [blob]);
  await new Promise((r) => setTimeout(r, 5));
  sources.record('r1:5000', 'team/b', [blob, blob]);
  sources.record('r2:5000', 'team/c', [blob]);
  assert.deepEqual(sources.candidates('r1:5000', blob, 'team/x'), ['team/b', 'team/a']);
  assert.deepEqual(sources.candidates('r1:5000', blob, 'team/b'), ['team/a']);
  assert.deepEqual(sources.candidates('r2:5000', blob, 'team/x'), ['team/c']);
  sources.forget('r1:5000', 'team/b', blob);
  assert.deepEqual(sources.candidates('r1:5000', blob, 'team/x'), ['team/a']);
  for (let i = 0; i < 30; i++) sources.record('r3:5000', `many/${i}`, [blob]);
  assert.equal(sources.candidates('r3:5000', blob, 'x', 100).length, 20);
  // Opening again keeps what was recorded.
  assert.deepEqual(new BlobSources(metadata).candidates('r1:5000', blob, 'team/x'), ['team/a']);
});
