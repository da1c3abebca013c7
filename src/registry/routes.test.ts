import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidRepositoryName } from './names.js';
import { parseContentRange, parseRangeHeader } from './ranges.js';
import { matchRoute } from './routes.js';

test('routes are found from the right, so names may hold slashes', () => {
  assert.deepEqual(matchRoute('/v2/a/b/c/manifests/latest'), { kind: 'manifest', name: 'a/b/c', reference: 'latest' });
  assert.deepEqual(matchRoute('/v2/x/blobs/uploads/'), { kind: 'uploads', name: 'x' });
  assert.deepEqual(matchRoute('/v2/x/blobs/uploads/u-1'), { kind: 'upload', name: 'x', id: 'u-1' });
  assert.deepEqual(matchRoute('/v2/x/manifests/y/tags/list'), { kind: 'tags', name: 'x/manifests/y' });
  assert.deepEqual(matchRoute('/v2/'), { kind: 'base' });
  assert.equal(matchRoute('/v3/x'), undefined);
});

test('repository names follow the distribution grammar', () => {
  for (const ok of ['a', 'a/b', 'a-b/c__d', 'a.b/c---d', 'library/busybox']) assert.ok(isValidRepositoryName(ok), ok);
  for (const bad of ['A', 'a//b', '-a', 'a-', 'a_', 'a/', '', 'a:b', 'a'.repeat(256)]) assert.ok(!isValidRepositoryName(bad), bad);
});

test('range headers', () => {
  assert.deepEqual(parseRangeHeader('bytes=0-3', 10), { start: 0, end: 3 });
  assert.deepEqual(parseRangeHeader('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRangeHeader('bytes=-4', 10), { start: 6, end: 9 });
  assert.deepEqual(parseRangeHeader('bytes=8-100', 10), { start: 8, end: 9 });
  assert.equal(parseRangeHeader('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRangeHeader('bytes=0-1,3-4', 10), undefined);
  assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseContentRange('bytes 5-9/*'), { start: 5, end: 9 });
  assert.equal(parseContentRange('9-5'), undefined);
});
