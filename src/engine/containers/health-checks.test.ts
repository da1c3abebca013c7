import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { HealthChecks } from './health-checks.js';
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

function checks(exitCode: () => number): { health: HealthChecks; saved: HealthState[]; statuses: string[]; probes: string[] } {
  const saved: HealthState[] = [];
  const statuses: string[] = [];
  const probes: string[] = [];
  const health = new HealthChecks({
    probe: (id) => async () => {
      probes.push(id);
      return { exitCode: exitCode(), output: '' };
    },
    save: (_id, state) => saved.push(state),
    statusChanged: (id, status) => statuses.push(`${id}:${status}`),
  });
  return { health, saved, statuses, probes };
}

test('initial: starting with the earlier log kept; none without a check or with NONE', () => {
  const log = [{ start: new Date(0), end: new Date(1), exitCode: 1, output: 'x' }];
  assert.deepEqual(HealthChecks.initial({ test: ['CMD', 'true'] }, { status: 'unhealthy', failingStreak: 3, log }), { status: 'starting', failingStreak: 0, log });
  assert.equal(HealthChecks.initial(undefined, undefined), undefined);
  assert.equal(HealthChecks.initial({ test: ['NONE'] }, undefined), undefined);
});

test('a monitor saves every probe, reports changes, carries on from a given state and stops', async () => {
  let code = 1;
  const { health, saved, statuses, probes } = checks(() => code);
  const initial: HealthState = { status: 'healthy', failingStreak: 0, log: [] };
  health.start('c1', { test: ['CMD', 'probe'], intervalMs: 100, retries: 1 }, new Date(), initial);
  assert.equal(health.current('c1')?.status, 'healthy', 'carries on from the state given');
  await advance(100);
  assert.deepEqual(statuses, ['c1:unhealthy']);
  assert.equal(saved.at(-1)?.status, 'unhealthy');
  code = 0;
  await advance(100);
  assert.deepEqual(statuses, ['c1:unhealthy', 'c1:healthy']);
  assert.equal(saved.length, 2);
  health.stop('c1');
  assert.equal(health.current('c1'), undefined);
  await advance(500);
  assert.equal(probes.length, 2, 'no probe after stop');
});

test('start without a check (or NONE) monitors nothing; stopAll stops every monitor', async () => {
  const { health, probes } = checks(() => 0);
  health.start('none', { test: ['NONE'] }, undefined, undefined);
  health.start('a', { test: ['CMD', 'x'], intervalMs: 50 }, undefined, undefined);
  health.start('b', { test: ['CMD', 'x'], intervalMs: 50 }, undefined, undefined);
  assert.equal(health.current('none'), undefined);
  await advance(50);
  assert.deepEqual(probes.sort(), ['a', 'b']);
  health.stopAll();
  await advance(200);
  assert.equal(probes.length, 2);
});
