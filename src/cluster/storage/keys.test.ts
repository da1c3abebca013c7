import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInvalidArgument } from '../../lib/index.js';
import { checkKey, prefixEnd } from './keys.js';

test('prefixEnd is the first string past every key with the prefix', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
  assert.equal(prefixEnd('a'), 'b');
  assert.equal(prefixEnd(''), undefined);
  assert.equal(prefixEnd('\u{10ffff}'), undefined);
  assert.equal(prefixEnd('a\u{10ffff}'), 'b');
  assert.equal(prefixEnd('\ud7ff'), '\ue000');
  assert.equal(prefixEnd('x\u{1f600}'), 'x\u{1f601}');
  for (const key of ['/registry/pods/a', '/registry/pods/\u{10ffff}\u{10ffff}', '/registry/pods/\uffff']) {
    const end = prefixEnd('/registry/pods/') ?? '';
    assert.ok(Buffer.compare(Buffer.from(key), Buffer.from(end)) < 0, key);
  }
});

test('keys must be non-empty and NUL-free', () => {
  assert.throws(() => checkKey(''), isInvalidArgument);
  assert.throws(() => checkKey('a\0b'), isInvalidArgument);
  checkKey('/registry/pods/ns/name');
});
