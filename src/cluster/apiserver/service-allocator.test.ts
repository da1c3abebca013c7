import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../storage/index.js';
import { dropTypeDependentFields, ServiceAllocator } from './service-allocator.js';
import { ApiError } from './status.js';

async function withAllocator(cidr: string, ports: { min: number; max: number }, fn: (a: ServiceAllocator) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsvc-'));
  const store = await openSqliteStore({ path: path.join(dir, 'db'), compaction: false });
  try {
    await fn(new ServiceAllocator(store, cidr, ports));
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });

test('a small range hands out each address once, never the network, API server or broadcast address, and is full after', () =>
  withAllocator('10.9.0.0/28', { min: 30000, max: 30001 }, async (a) => {
    const ips: string[] = [];
    for (let i = 0; i < 13; i++) {
      const s = svc(`s${i}`, { ports: [{ port: 80 }] });
      await a.allocate(s);
      ips.push(s.spec.clusterIP as string);
    }
    assert.deepEqual([...ips].sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3])), Array.from({ length: 13 }, (_, i) => `10.9.0.${i + 2}`));
    await assert.rejects(a.allocate(svc('full', {})), (err: ApiError) => err.code === 422 && /range is full/.test(err.message));
    await a.release(svc('s0', { clusterIPs: [ips[0]] }));
    const again = svc('again', {});
    await a.allocate(again);
    assert.equal(again.spec.clusterIP, ips[0]);
  }));

test('requested IPs and node ports are checked against the range and against each other; a failed allocation takes nothing', () =>
  withAllocator('10.9.0.0/24', { min: 30000, max: 30001 }, async (a) => {
    await assert.rejects(a.allocate(svc('out', { clusterIP: '10.10.0.5' })), /is not in the valid range/);
    await a.allocate(svc('one', { clusterIP: '10.9.0.7', type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }));
    await assert.rejects(a.allocate(svc('two', { clusterIP: '10.9.0.7' })), /provided IP is already allocated/);
    await assert.rejects(a.allocate(svc('three', { clusterIP: '10.9.0.8', type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] })), /spec\.ports\[0\]\.nodePort: Invalid value: 30000: provided port is already allocated/);
    const four = svc('four', { clusterIP: '10.9.0.8', type: 'NodePort', ports: [{ port: 80 }] });
    await a.allocate(four);
    assert.equal((four.spec.ports as { nodePort: number }[])[0]?.nodePort, 30001, '10.9.0.8 was given back when three failed');
    await assert.rejects(a.allocate(svc('five', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] })), /not in the valid range/);
  }));

test('dropping type-dependent fields keeps what the client changed', () => {
  const old = { spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30001 }] } };
  const kept = { spec: { type: 'ClusterIP', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30001 }] } };
  dropTypeDependentFields(old, kept);
  assert.deepEqual(kept.spec, { type: 'ClusterIP', ports: [{ port: 80 }] });
  const changed = { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: 30002 }] } };
  dropTypeDependentFields(old, changed);
  assert.equal(changed.spec.ports[0]?.nodePort, 30002);
});
