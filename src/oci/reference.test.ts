import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarName,
  familiarRepository,
  formatReference,
  normalizeReference,
  normalizedName,
  parseReference,
  parseRepository,
  withDefaultTag,
  withDigest,
  withTag,
} from './reference.js';

const d = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// input → [normalised with default tag, familiar name of that]
const table: Array<[string, string, string]> = [
  ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/library/busybox:musl', 'docker.io/library/busybox:musl', 'busybox:musl'],
  ['index.docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/user/img:2', 'docker.io/user/img:2', 'user/img:2'],
  ['user/img', 'docker.io/user/img:latest', 'user/img:latest'],
  ['user/img:1', 'docker.io/user/img:1', 'user/img:1'],
  ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
  ['a/b/c/d', 'docker.io/a/b/c/d:latest', 'a/b/c/d:latest'],
  ['localhost/foo', 'localhost/foo:latest', 'localhost/foo:latest'],
  ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag', 'localhost:5000/a/b:tag'],
  ['host.example:5000/a/b', 'host.example:5000/a/b:latest', 'host.example:5000/a/b:latest'],
  ['example.com/app', 'example.com/app:latest', 'example.com/app:latest'],
  ['ghcr.io/org/team/app:v1.2.3-rc.1', 'ghcr.io/org/team/app:v1.2.3-rc.1', 'ghcr.io/org/team/app:v1.2.3-rc.1'],
  ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest', '127.0.0.1:5000/x:latest'],
  ['[::1]:5000/x:y', '[::1]:5000/x:y', '[::1]:5000/x:y'],
  ['[2001:db8::1]/x', '[2001:db8::1]/x:latest', '[2001:db8::1]/x:latest'],
  // An uppercase first component can only be a host.
  ['Registry/x', 'Registry/x:latest', 'Registry/x:latest'],
  // Without a slash the colon is a tag separator, as in Docker.
  ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000'],
  ['foo_bar.baz--qux__z', 'docker.io/library/foo_bar.baz--qux__z:latest', 'foo_bar.baz--qux__z:latest'],
  ['busybox:UPPER_case.tag-1', 'docker.io/library/busybox:UPPER_case.tag-1', 'busybox:UPPER_case.tag-1'],
  ['busybox:_x', 'docker.io/library/busybox:_x', 'busybox:_x'],
  [`busybox@${d}`, `docker.io/library/busybox@${d}`, `busybox@${d}`],
  [`busybox:1@${d}`, `docker.io/library/busybox:1@${d}`, `busybox:1@${d}`],
  [`localhost:5000/a@${d}`, `localhost:5000/a@${d}`, `localhost:5000/a@${d}`],
];

test('references normalise as Docker does', () => {
  for (const [input, full, familiar] of table) {
    assert.equal(normalizeReference(input), full, input);
    const ref = withDefaultTag(parseReference(input));
    assert.equal(formatReference(ref), full, input);
    assert.equal(familiarName(ref), familiar, input);
    // Normalising is idempotent: the full and the familiar forms parse back the same.
    assert.deepEqual(parseReference(full), ref, full);
    assert.deepEqual(withDefaultTag(parseReference(familiar)), ref, familiar);
  }
});

test('parseReference returns the parts and adds no tag itself', () => {
  assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.deepEqual(parseReference('localhost:5000/a/b:tag'), { domain: 'localhost:5000', path: 'a/b', tag: 'tag' });
  assert.deepEqual(parseReference(`name:t@${d}`), { domain: 'docker.io', path: 'library/name', tag: 't', digest: d });
  assert.deepEqual(parseReference(`name@${d}`), { domain: 'docker.io', path: 'library/name', digest: d });
  assert.deepEqual(withDefaultTag(parseReference(`name@${d}`)), { domain: 'docker.io', path: 'library/name', digest: d });
});

test('names and familiar forms', () => {
  const ref = parseReference('busybox:1');
  assert.equal(normalizedName(ref), 'docker.io/library/busybox');
  assert.equal(familiarRepository(ref), 'busybox');
  assert.equal(familiarRepository(parseReference('user/img')), 'user/img');
  assert.equal(familiarRepository(parseReference('quay.io/library/x')), 'quay.io/library/x');
  assert.equal(familiarName(parseReference('busybox')), 'busybox');
});

test('parseRepository refuses tags and digests', () => {
  assert.deepEqual(parseRepository('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.deepEqual(parseRepository('localhost:5000/a'), { domain: 'localhost:5000', path: 'a' });
  assert.throws(() => parseRepository('busybox:1'), { kind: 'invalid-argument', message: /tag or digest/ });
  assert.throws(() => parseRepository(`busybox@${d}`), { kind: 'invalid-argument' });
  assert.throws(() => parseRepository('localhost:5000'), { kind: 'invalid-argument' });
});

test('withTag and withDigest validate', () => {
  const repo = parseRepository('busybox');
  assert.equal(formatReference(withTag(repo, 'v2')), 'docker.io/library/busybox:v2');
  assert.throws(() => withTag(repo, '.bad'), { kind: 'invalid-argument' });
  assert.equal(formatReference(withDigest(withTag(repo, 'v2'), d)), `docker.io/library/busybox:v2@${d}`);
  assert.throws(() => withDigest(repo, 'sha256:abc'), { kind: 'invalid-argument' });
});

test('invalid references are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty reference/],
    ['Busybox', /must be lowercase/],
    ['user/Img', /must be lowercase/],
    ['docker.io/User/img', /must be lowercase/],
    ['busybox:', /invalid tag ""/],
    ['busybox:-x', /invalid tag/],
    ['busybox:.x', /invalid tag/],
    [`busybox:${'a'.repeat(129)}`, /invalid tag/],
    ['busybox:a+b', /invalid tag/],
    [':tag', /missing repository name/],
    [`@${d}`, /missing repository name/],
    ['busybox@sha256:abc', /invalid digest/],
    ['busybox@', /invalid digest/],
    [`busybox@${d}@${d}`, /invalid digest/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image ID/],
    ['a//b', /empty path component/],
    ['a/', /empty path component/],
    ['/a', /empty path component/],
    ['localhost/', /empty path component/],
    ['a___b', /invalid path component/],
    ['a-.b', /invalid path component/],
    ['-a', /invalid path component/],
    ['a-', /invalid path component/],
    ['a b', /invalid path component/],
    ['busybox:1:2', /invalid path component/],
    ['example.com:/a', /invalid registry host/],
    ['example.com:http/a', /invalid registry host/],
    ['exa_mple.com/a', /invalid registry host/],
    ['-example.com/a', /invalid registry host/],
    [`example.com/${'a'.repeat(244)}`, /more than 255/],
    [`${'a'.repeat(245)}`, /more than 255/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(() => parseReference(input), { kind: 'invalid-argument', message: reason }, input);
  }
  // The limit counts the normalised name: 255 characters exactly is fine.
  assert.equal(normalizedName(parseReference(`example.com/${'a'.repeat(243)}`)).length, 255);
  assert.ok(parseReference('a'.repeat(63)));
});
