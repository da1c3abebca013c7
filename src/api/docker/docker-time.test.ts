import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedNanoTime, goTime, humanDuration, parseApiTime, ZERO_TIME } from './docker-time.js';

test('times print as Go prints them', () => {
  assert.equal(goTime(undefined), ZERO_TIME);
  assert.equal(goTime(new Date('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.12Z');
  assert.equal(goTime(new Date('2024-05-01T10:00:00.000Z')), '2024-05-01T10:00:00Z');
  assert.equal(fixedNanoTime(new Date('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.120000000Z');
});

test('durations read as docker ps shows them', () => {
  assert.equal(humanDuration(400), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(3_500), '3 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3_600_000), 'About an hour');
  assert.equal(humanDuration(5 * 3_600_000), '5 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
});

test('API times are Unix seconds or RFC 3339', () => {
  assert.equal(parseApiTime('1700000000.5', 'since').getTime(), 1_700_000_000_500);
  assert.equal(parseApiTime('2024-05-01T10:00:00Z', 'since').toISOString(), '2024-05-01T10:00:00.000Z');
  assert.throws(() => parseApiTime('yesterday', 'since'), /invalid value for since/);
});
