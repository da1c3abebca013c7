import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_MEMORY, buildResources } from './spec-resources.js';
import type { ResourcesInput } from './spec-input.js';

const host = { cpus: 4, cgroup: { layout: 'hybrid' as const, swapAccounting: true } };
const MiB = 1024 * 1024;

test('memory: limit, reservation, swap defaulting to twice the limit as Docker does', () => {
  assert.deepEqual(buildResources({ memory: 64 * MiB }, host).memory, { limit: 64 * MiB, swap: 128 * MiB });
  assert.deepEqual(buildResources({ memory: 64 * MiB, memorySwap: -1 }, host).memory, { limit: 64 * MiB, swap: -1 });
  assert.deepEqual(buildResources({ memory: 64 * MiB, memorySwap: 64 * MiB, memoryReservation: 32 * MiB }, host).memory, {
    limit: 64 * MiB,
    reservation: 32 * MiB,
    swap: 64 * MiB,
  });
  // without swap accounting there is no memory+swap knob: the swap limit is dropped
  const noSwap = { ...host, cgroup: { layout: 'v1' as const, swapAccounting: false } };
  assert.deepEqual(buildResources({ memory: 64 * MiB, memorySwap: 100 * MiB }, noSwap).memory, { limit: 64 * MiB });
  assert.deepEqual(buildResources({}, host), {});
  assert.deepEqual(buildResources({ memory: 0, pidsLimit: 0, cpuShares: 0 }, host), {});
});

test('memory swappiness is a v1 knob', () => {
  assert.equal(buildResources({ memorySwappiness: 10 }, host).memory?.swappiness, 10);
  assert.equal(buildResources({ memorySwappiness: 10 }, { ...host, cgroup: { layout: 'v2', swapAccounting: true } }).memory, undefined);
});

test('cpu: cpus becomes a CFS quota over 100ms; shares are clamped as Docker does', () => {
  assert.deepEqual(buildResources({ cpus: 0.5 }, host).cpu, { quota: 50000, period: 100000 });
  assert.deepEqual(buildResources({ cpuQuota: 20000, cpuPeriod: 50000, cpuShares: 512 }, host).cpu, { shares: 512, quota: 20000, period: 50000 });
  assert.deepEqual(buildResources({ cpuShares: 1 }, host).cpu, { shares: 2 });
  assert.deepEqual(buildResources({ cpuShares: 1_000_000 }, host).cpu, { shares: 262144 });
  assert.deepEqual(buildResources({ cpusetCpus: '0-1,3', cpusetMems: '0' }, host).cpu, { cpus: '0-1,3', mems: '0' });
});

test('pids: a positive limit is set; 0 or negative means unlimited', () => {
  assert.deepEqual(buildResources({ pidsLimit: 100 }, host).pids, { limit: 100 });
  assert.equal(buildResources({ pidsLimit: -1 }, host).pids, undefined);
});

test('bad limits are refused with invalid-argument naming the field', () => {
  const cases: [ResourcesInput, RegExp][] = [
    [{ memory: -1 }, /resources\.memory\b.*negative/],
    [{ memory: MIN_MEMORY - 1 }, /resources\.memory\b.*6MB/],
    [{ memory: 1.5 * MiB * 10 + 0.5 }, /resources\.memory\b.*integer/],
    [{ memoryReservation: -5 }, /memoryReservation/],
    [{ memory: 64 * MiB, memoryReservation: 128 * MiB }, /memoryReservation/],
    [{ memorySwap: 128 * MiB }, /memorySwap.*memory/],
    [{ memory: 64 * MiB, memorySwap: 32 * MiB }, /memorySwap/],
    [{ memory: 64 * MiB, memorySwap: -2 }, /memorySwap/],
    [{ memorySwappiness: 101 }, /memorySwappiness/],
    [{ cpus: 5 }, /resources\.cpus.*4 CPUs/],
    [{ cpus: -1 }, /resources\.cpus/],
    [{ cpus: 0.001 }, /resources\.cpus/],
    [{ cpus: 1, cpuQuota: 50000 }, /conflicts/],
    [{ cpuShares: -2 }, /cpuShares/],
    [{ cpuPeriod: 500 }, /cpuPeriod/],
    [{ cpuQuota: 999 }, /cpuQuota/],
    [{ cpusetCpus: '0-9' }, /cpusetCpus.*9/],
    [{ cpusetCpus: 'all' }, /cpusetCpus/],
    [{ pidsLimit: 2.5 }, /pidsLimit/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => buildResources(input, host), { kind: 'invalid-argument', message }, JSON.stringify(input));
  }
});
