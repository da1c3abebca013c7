import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDuration, goList, goQuote, goQuoteList } from './goformat.js';

test('Go quoting as fmt %q does it', () => {
  assert.equal(goQuote('a "b"\\'), '"a \\"b\\"\\\\"');
  assert.equal(goQuote('x\u0001\ty'), '"x\\x01\\ty"');
  assert.equal(goQuoteList(['/bin/sh', '-c', 'echo hi']), '["/bin/sh" "-c" "echo hi"]');
  assert.equal(goList(['/data', '/x']), '[/data /x]');
});

test('durations as time.Duration.String()', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(3e9), '3s');
  assert.equal(goDuration(1.5e9), '1.5s');
  assert.equal(goDuration(300e9), '5m0s');
  assert.equal(goDuration(3600e9), '1h0m0s');
  assert.equal(goDuration(3661e9), '1h1m1s');
  assert.equal(goDuration(500e6), '500ms');
  assert.equal(goDuration(2000), '2µs');
  assert.equal(goDuration(7), '7ns');
});
