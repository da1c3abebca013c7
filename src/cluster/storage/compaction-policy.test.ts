import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompactionPolicy } from './compaction-policy.js';

test('keeps both the last N revisions and the last T milliseconds', () => {
  const p = new CompactionPolicy({ keepRevisions: 100, keepMs: 5000 });
  assert.equal(p.next(0, 1000, 0), undefined, 'nothing is 5 s old yet');
  assert.equal(p.next(3000, 2000, 0), undefined);
  // At t=5000 the sample from t=0 (revision 1000) is old enough: compact to it.
  assert.equal(p.next(5000, 2050, 0), 1000);
  // At t=8000 the sample from t=3000 (2000) is old enough, but only 50 revisions behind now.
  assert.equal(p.next(8000, 2050, 1000), 1950);
  // Nothing new to compact.
  assert.equal(p.next(9000, 2050, 1950), undefined);
});

test('with no age limit, compacts to N revisions behind', () => {
  const p = new CompactionPolicy({ keepRevisions: 10, keepMs: 0 });
  assert.equal(p.next(0, 5, 0), undefined);
  assert.equal(p.next(1, 50, 0), 40);
  assert.equal(p.next(2, 50, 40), undefined);
});
