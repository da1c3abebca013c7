import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authFor, checkTags, displayTag } from './references.js';

test('tags are checked before the build', () => {
  checkTags(['app', 'app:1', 'registry.local:5000/team/app:2']);
  assert.throws(() => checkTags(['Bad/Name']), /invalid tag "Bad\/Name"/);
  assert.throws(() => checkTags([`app@sha256:${'a'.repeat(64)}`]), /digest reference/);
});

test('tags are shown as Docker shows them', () => {
  assert.equal(displayTag('app'), 'app:latest');
  assert.equal(displayTag('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(displayTag('app:1'), 'app:1');
});

test('registry credentials are found by the reference’s registry', () => {
  const auths = { 'https://index.docker.io/v1/': { username: 'hub' }, '127.0.0.1:5000': { username: 'local' } };
  assert.deepEqual(authFor(auths, 'busybox'), { username: 'hub' });
  assert.deepEqual(authFor(auths, '127.0.0.1:5000/x/y:1'), { username: 'local' });
  assert.equal(authFor(auths, 'quay.io/x/y'), undefined);
});
