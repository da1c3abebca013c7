import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpus, parseDuration, parseMemory, parseMemorySwap, parseRestartPolicy, parseTimestamp } from './units.js';

test('memory sizes use binary units as docker does', () => {
  assert.equal(parseMemory('16m'), 16 * 1024 * 1024);
  assert.equal(parseMemory('1g'), 1024 ** 3);
  assert.equal(parseMemory('1GB'), 1024 ** 3);
  assert.equal(parseMemory('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseMemory('512k'), 512 * 1024);
  assert.equal(parseMemory('100'), 100);
  assert.equal(parseMemory('100b'), 100);
  assert.equal(parseMemorySwap('-1'), -1);
  for (const bad of ['', 'm', '16x', '-5m', '1.2.3m']) assert.throws(() => parseMemory(bad), { kind: 'invalid-argument' }, bad);
});

test('durations follow Go: units required, combinations allowed', () => {
  assert.equal(parseDuration('1s'), 1e9);
  assert.equal(parseDuration('500ms'), 5e8);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('1.5h'), 5400e9);
  assert.equal(parseDuration('10us'), 10e3);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('-2s'), -2e9);
  for (const bad of ['', '5', 's', '1x', '1s2']) assert.throws(() => parseDuration(bad), { kind: 'invalid-argument' }, bad);
});

test('cpus become NanoCpus', () => {
  assert.equal(parseCpus('1.5'), 1_500_000_000);
  assert.equal(parseCpus('0.001'), 1_000_000);
  assert.equal(parseCpus('2'), 2_000_000_000);
  assert.throws(() => parseCpus('0.0000000001'), /too precise/);
  assert.throws(() => parseCpus('two'), { kind: 'invalid-argument' });
});

test('restart policies', () => {
  assert.deepEqual(parseRestartPolicy('no'), { Name: 'no' });
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always' });
  assert.deepEqual(parseRestartPolicy('unless-stopped'), { Name: 'unless-stopped' });
  assert.deepEqual(parseRestartPolicy('on-failure'), { Name: 'on-failure' });
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  for (const bad of ['sometimes', 'always:2', 'on-failure:x', 'on-failure:-1', ':3']) assert.throws(() => parseRestartPolicy(bad), { kind: 'invalid-argument' }, bad);
});

test('timestamps: unix seconds pass, durations count back from now, dates convert', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  assert.equal(parseTimestamp('1700000000', now), '1700000000');
  assert.equal(parseTimestamp('1700000000.5', now), '1700000000.5');
  assert.equal(parseTimestamp('10m', now), `${now / 1000 - 600}.000000000`);
  assert.equal(parseTimestamp('1.5s', now), `${now / 1000 - 2}.500000000`);
  assert.equal(parseTimestamp('2024-01-01T11:00:00Z', now), `${now / 1000 - 3600}.000000000`);
  assert.throws(() => parseTimestamp('yesterday', now), { kind: 'invalid-argument' });
});
