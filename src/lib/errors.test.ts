import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError, errorKind, exitCodeOf, httpStatusOf, invalidArgument, isErrno, notFound } from './errors.js';

test('errors carry their kind', () => {
  const err = notFound('no such image: x');
  assert.ok(err instanceof BerthError);
  assert.equal(err.kind, 'not-found');
  assert.equal(errorKind(err), 'not-found');
  assert.equal(errorKind(new Error('plain')), 'internal');
});

test('kinds map to HTTP statuses and exit codes', () => {
  assert.equal(httpStatusOf('not-found'), 404);
  assert.equal(httpStatusOf('conflict'), 409);
  assert.equal(httpStatusOf('invalid-argument'), 400);
  assert.equal(httpStatusOf('gone'), 410);
  assert.equal(exitCodeOf(invalidArgument('x').kind), 2);
  assert.equal(exitCodeOf('not-found'), 1);
});

test('isErrno matches Node system errors by code', () => {
  assert.ok(isErrno(Object.assign(new Error('x'), { code: 'ENOENT' }), 'ENOENT'));
  assert.ok(!isErrno(new Error('x'), 'ENOENT'));
  assert.ok(!isErrno(null, 'ENOENT'));
});
