import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorKind } from '../../lib/index.js';
import { parseLogConfig, parseLogSize } from './log-config.js';

test('max-size takes Docker’s units, decimal as json-file reads them', () => {
  assert.equal(parseLogSize('100'), 100);
  assert.equal(parseLogSize('10k'), 10_000);
  assert.equal(parseLogSize('10K'), 10_000);
  assert.equal(parseLogSize('1.5m'), 1_500_000);
  assert.equal(parseLogSize('20MB'), 20_000_000);
  assert.equal(parseLogSize('1g'), 1_000_000_000);
  for (const bad of ['', 'lots', '-1', '10x', '0']) {
    assert.throws(() => parseLogSize(bad), (err: unknown) => errorKind(err) === 'invalid-argument', bad);
  }
});

test('the file drivers are accepted; only max-size has an effect', () => {
  assert.deepEqual(parseLogConfig(undefined, undefined), { warnings: [] });
  assert.deepEqual(parseLogConfig('json-file', { 'max-size': '10k' }), { logMaxSize: 10_000, warnings: [] });
  assert.deepEqual(parseLogConfig('k8s-file', { 'max-size': '1m', 'max-file': '1' }), { logMaxSize: 1_000_000, warnings: [] });
  const compress = parseLogConfig('json-file', { compress: 'true' });
  assert.match(compress.warnings[0] ?? '', /compress has no effect/);
  assert.equal(parseLogConfig('local', {}).logMaxSize, 20e6);
});

test('other drivers, unknown options and bad max-file are refused', () => {
  assert.throws(() => parseLogConfig('journald', {}), /log driver "journald" is not supported.*json-file, k8s-file or local/);
  assert.throws(() => parseLogConfig('none', {}), /not supported/);
  assert.throws(() => parseLogConfig('json-file', { colour: 'blue' }), /unknown log opt 'colour' for json-file log driver/);
  assert.throws(() => parseLogConfig('json-file', { 'max-file': '0' }), /max-file/);
});
