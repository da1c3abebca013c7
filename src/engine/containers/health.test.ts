import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { HealthMonitor, goDuration, healthCommand, type ProbeExec, type ProbeResult } from './health.js';
import type { HealthState } from './types.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await flush();
}

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
});
afterEach(() => {
  mock.timers.reset();
});

/** An exec that answers from a script of results (the last one repeats) and records calls. */
function scripted(results: ProbeResult[]): { exec: ProbeExec; calls: string[][] } {
  const calls: string[][] = [];
  let i = 0;
  const exec: ProbeExec = async (cmd) => {
    calls.push(cmd);
    const r = results[Math.min(i++, results.length - 1)];
    if (r === undefined) throw new Error('no result');
    return r;
  };
  return { exec, calls };
}

function monitor(config: ConstructorParameters<typeof HealthMonitor>[0]['config'], exec: ProbeExec, statuses: string[] = []): HealthMonitor {
  return new HealthMonitor({ config, exec, onStatus: (status) => statuses.push(status) });
}

test('healthCommand: CMD, CMD-SHELL, NONE', () => {
  assert.deepEqual(healthCommand(['CMD', 'curl', '-f', 'http://localhost']), ['curl', '-f', 'http://localhost']);
  assert.deepEqual(healthCommand(['CMD-SHELL', 'test -f /ok || exit 1']), ['/bin/sh', '-c', 'test -f /ok || exit 1']);
  assert.equal(healthCommand(['NONE']), null);
  assert.equal(healthCommand([]), null);
  assert.throws(() => healthCommand(['SHELL', 'x']), /unknown healthcheck test type/);
  assert.throws(() => healthCommand(['CMD']), /needs a command/);
  assert.throws(() => monitor({ test: ['NONE'] }, async () => ({ exitCode: 0, output: '' })), /disabled/);
});

test('defaults: the first probe after 30 s, healthy on exit 0', async () => {
  const { exec, calls } = scripted([{ exitCode: 0, output: 'ok\n' }]);
  const statuses: string[] = [];
  const m = monitor({ test: ['CMD-SHELL', 'true'] }, exec, statuses);
  m.start();
  assert.equal(m.state.status, 'starting');
  await advance(29_999);
  assert.equal(calls.length, 0);
  await advance(1);
  assert.deepEqual(calls, [['/bin/sh', '-c', 'true']]);
  const state = m.state;
  assert.equal(state.status, 'healthy');
  assert.equal(state.failingStreak, 0);
  assert.equal(state.log.length, 1);
  assert.equal(state.log[0]?.output, 'ok\n');
  assert.equal(state.log[0]?.exitCode, 0);
  assert.equal(state.log[0]?.start.getTime(), 1_030_000);
  assert.deepEqual(statuses, ['healthy']);
  await advance(30_000);
  assert.equal(calls.length, 2);
  assert.deepEqual(statuses, ['healthy'], 'no event without a change');
  m.stop();
  await advance(120_000);
  assert.equal(calls.length, 2, 'stopped');
});

test('retries: unhealthy after N consecutive failures, healthy again on success', async () => {
  const fail = { exitCode: 1, output: 'down' };
  const ok = { exitCode: 0, output: '' };
  const { exec } = scripted([ok, fail, fail, fail, fail, ok]);
  const statuses: string[] = [];
  const m = monitor({ test: ['CMD', 'check'], intervalMs: 1000, retries: 3 }, exec, statuses);
  m.start();
  await advance(1000);
  assert.equal(m.state.status, 'healthy');
  await advance(1000);
  await advance(1000);
  assert.equal(m.state.status, 'healthy', 'two failures of three allowed');
  assert.equal(m.state.failingStreak, 2);
  await advance(1000);
  assert.equal(m.state.status, 'unhealthy');
  assert.equal(m.state.failingStreak, 3);
  await advance(1000);
  assert.equal(m.state.failingStreak, 4);
  await advance(1000);
  assert.equal(m.state.status, 'healthy');
  assert.equal(m.state.failingStreak, 0);
  assert.deepEqual(statuses, ['healthy', 'unhealthy', 'healthy']);
  assert.equal(m.state.log.length, 5, 'only the last five results are kept');
  m.stop();
});

test('start period: failures while starting inside it do not count', async () => {
  const { exec } = scripted([{ exitCode: 1, output: '' }]);
  const m = monitor({ test: ['CMD', 'x'], intervalMs: 10_000, startPeriodMs: 35_000, retries: 1 }, exec);
  m.start();
  await advance(10_000);
  await advance(10_000);
  await advance(10_000);
  assert.equal(m.state.status, 'starting');
  assert.equal(m.state.failingStreak, 0);
  assert.equal(m.state.log.length, 3, 'results are still logged');
  await advance(10_000);
  assert.equal(m.state.status, 'unhealthy', 'the probe at 40 s is past the start period');
  m.stop();
});

test('timeout: the probe is aborted and counts as a failure with exit code -1', async () => {
  let aborted = false;
  const exec: ProbeExec = (_cmd, signal) =>
    new Promise<ProbeResult>(() => {
      signal.addEventListener('abort', () => (aborted = true));
    });
  const m = monitor({ test: ['CMD', 'hang'], intervalMs: 1000, timeoutMs: 1500, retries: 1 }, exec);
  m.start();
  await advance(1000);
  assert.equal(m.state.log.length, 0, 'still running');
  await advance(1500);
  assert.ok(aborted);
  const state: HealthState = m.state;
  assert.equal(state.status, 'unhealthy');
  assert.equal(state.log[0]?.exitCode, -1);
  assert.equal(state.log[0]?.output, 'Health check exceeded timeout (1.5s)');
  m.stop();
});

test('an exec that fails to run is a failed probe; long output is cut to 4 KiB', async () => {
  const { exec } = scripted([{ exitCode: 0, output: 'x'.repeat(5000) }]);
  const m = monitor({ test: ['CMD', 'big'], intervalMs: 1000 }, exec);
  m.start();
  await advance(1000);
  assert.equal(m.state.log[0]?.output.length, 4096 + 3);
  m.stop();
  const broken = monitor({ test: ['CMD', 'x'], intervalMs: 1000, retries: 1 }, async () => {
    throw new Error('container is not running');
  });
  broken.start();
  await advance(1000);
  assert.deepEqual([broken.state.status, broken.state.log[0]?.exitCode, broken.state.log[0]?.output], ['unhealthy', -1, 'container is not running']);
  broken.stop();
});

test('goDuration prints as Go does', () => {
  assert.equal(goDuration(30_000), '30s');
  assert.equal(goDuration(500), '500ms');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(90_000), '1m30s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
});
