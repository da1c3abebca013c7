import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextDelay, shouldRestart } from './restart.js';

test('shouldRestart per policy', () => {
  const base = { exitCode: 1, restartCount: 0, stoppedByUser: false };
  assert.equal(shouldRestart({ ...base, policy: undefined }), false);
  assert.equal(shouldRestart({ ...base, policy: { name: 'always', maximumRetryCount: 0 } }), true);
  assert.equal(shouldRestart({ ...base, stoppedByUser: true, policy: { name: 'always', maximumRetryCount: 0 } }), false);
  assert.equal(shouldRestart({ ...base, policy: { name: 'on-failure', maximumRetryCount: 2 } }), true);
  assert.equal(shouldRestart({ ...base, restartCount: 2, policy: { name: 'on-failure', maximumRetryCount: 2 } }), false);
  assert.equal(shouldRestart({ ...base, exitCode: 0, policy: { name: 'on-failure', maximumRetryCount: 0 } }), false);
});

test('nextDelay doubles from 100 ms and resets after a 10 s run', () => {
  assert.equal(nextDelay(0, 0), 100);
  assert.equal(nextDelay(100, 50), 200);
  assert.equal(nextDelay(400, 50), 800);
  assert.equal(nextDelay(800, 10_000), 100);
  assert.equal(nextDelay(40_000, 0), 60_000);
});
