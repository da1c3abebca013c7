import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerResolvConf } from './etc-files.js';
import { normalizeName, generateName } from './names.js';

test('resolv.conf drops loopback nameservers in a private netns', () => {
  assert.equal(containerResolvConf('nameserver 127.0.0.53\nsearch x\n', false), 'search x\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.equal(containerResolvConf('nameserver 10.0.0.1\n', false), 'nameserver 10.0.0.1\n');
  assert.equal(containerResolvConf('nameserver 127.0.0.53\n', true), 'nameserver 127.0.0.53\n');
});

test('names: Docker rule, leading slash dropped, generated names unique', () => {
  assert.equal(normalizeName('/web-1'), 'web-1');
  assert.throws(() => normalizeName('a'), /Invalid container name/);
  assert.throws(() => normalizeName('-x'), /Invalid container name/);
  const taken = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const n = generateName((x) => taken.has(x));
    assert.match(n, /^[a-z]+_[a-z]+\d?$/);
    taken.add(n);
  }
});
