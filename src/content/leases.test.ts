import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { digestOf } from '../oci/index.js';
import { LeaseManager } from './leases.js';
import { Metadata } from './metadata.js';
import { tempDir } from './testutil.js';

async function openLeases(t: Parameters<typeof tempDir>[0], now: () => number): Promise<LeaseManager> {
  const metadata = Metadata.open(join(await tempDir(t), 'metadata.db'));
  t.after(() => metadata.close());
  return new LeaseManager(metadata, { now });
}

test('create, resources, delete (resources go with the lease)', async (t) => {
  const leases = await openLeases(t, () => 1_000);
  const lease = leases.create({ labels: { purpose: 'pull' } });
  assert.deepEqual(lease.expiresAt, null);
  assert.deepEqual(leases.get(lease.id), lease);
  assert.throws(() => leases.create({ id: lease.id }), { kind: 'already-exists' });
  await leases.addResource(lease.id, digestOf('a'));
  await leases.addResource(lease.id, digestOf('a'));
  await leases.addResource(lease.id, digestOf('b'));
  assert.deepEqual(leases.resources(lease.id), [digestOf('a'), digestOf('b')].sort());
  leases.removeResource(lease.id, digestOf('b'));
  assert.deepEqual(leases.referenced(), [digestOf('a')]);
  leases.delete(lease.id);
  assert.throws(() => leases.delete(lease.id), { kind: 'not-found' });
  await assert.rejects(leases.addResource(lease.id, digestOf('a')), { kind: 'not-found' });
  assert.deepEqual(leases.referenced(), []);
  assert.deepEqual(leases.list(), []);
});

test('expired leases hold nothing, refuse resources and are removed by expire', async (t) => {
  let clock = 1_000;
  const leases = await openLeases(t, () => clock);
  const short = leases.create({ ttlMs: 100 });
  const forever = leases.create();
  assert.deepEqual(short.expiresAt, new Date(1_100));
  await leases.addResource(short.id, digestOf('short'));
  await leases.addResource(forever.id, digestOf('forever'));
  clock = 1_100;
  assert.deepEqual(leases.referenced(), [digestOf('forever')]);
  await assert.rejects(leases.addResource(short.id, digestOf('x')), { kind: 'failed-precondition' });
  assert.deepEqual(leases.expire(), [short.id]);
  assert.deepEqual(leases.list().map((lease) => lease.id), [forever.id]);
  assert.throws(() => leases.create({ ttlMs: 0 }), { kind: 'invalid-argument' });
});

test('withLease holds a lease for the duration, also when the operation fails', async (t) => {
  const leases = await openLeases(t, Date.now);
  const result = await leases.withLease(async (lease) => {
    assert.equal(leases.list().length, 1);
    await leases.addResource(lease.id, digestOf('a'));
    return 42;
  });
  assert.equal(result, 42);
  assert.deepEqual(leases.list(), []);
  await assert.rejects(
    leases.withLease(async () => {
      throw new Error('pull failed');
    }),
    /pull failed/,
  );
  assert.deepEqual(leases.list(), []);
  // A lease expired and collected during the operation is no error at the end.
  await leases.withLease(async (lease) => {
    leases.delete(lease.id);
  });
});
