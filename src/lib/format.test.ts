import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanAge, humanSize, renderTable } from './format.js';

test('humanSize uses decimal units like the docker CLI', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(4_261_000), '4.26MB');
  assert.equal(humanSize(77_800_000), '77.8MB');
  assert.equal(humanSize(1_230_000_000), '1.23GB');
});

test('humanAge says how long ago', () => {
  const now = new Date('2026-01-10T12:00:00Z');
  assert.equal(humanAge(new Date('2026-01-10T11:59:30Z'), now), '30 seconds ago');
  assert.equal(humanAge(new Date('2026-01-10T11:00:00Z'), now), 'About an hour ago');
  assert.equal(humanAge(new Date('2026-01-08T12:00:00Z'), now), '2 days ago');
});

test('renderTable aligns columns', () => {
  const out = renderTable(['A', 'LONGER'], [['xyz', '1'], ['q', '22']]);
  assert.equal(out, 'A     LONGER\nxyz   1\nq     22\n');
});
