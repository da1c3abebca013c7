import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWwwAuthenticate } from './www-authenticate.js';

test('parses a Docker Hub style Bearer challenge', () => {
  const [c] = parseWwwAuthenticate(
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
  );
  assert.deepEqual(c, {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
});

test('parses Basic, unquoted values, escapes and several challenges', () => {
  const challenges = parseWwwAuthenticate('Basic realm="a \\"b\\" c", Bearer realm=http://x/t, scope="repository:a:pull,push"');
  assert.equal(challenges.length, 2);
  assert.deepEqual(challenges[0], { scheme: 'basic', params: { realm: 'a "b" c' } });
  assert.deepEqual(challenges[1], { scheme: 'bearer', params: { realm: 'http://x/t', scope: 'repository:a:pull,push' } });
});

test('a bare scheme and garbage do not throw', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic'), [{ scheme: 'basic', params: {} }]);
  assert.deepEqual(parseWwwAuthenticate(''), []);
  assert.ok(Array.isArray(parseWwwAuthenticate('=== "')));
});
