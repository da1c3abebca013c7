import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubnet } from './cidr.js';
import { newNetwork } from './network-create.js';
import type { NetworkRecord } from './types.js';

const choose = () => parseSubnet('172.30.0.0/16');

test('newNetwork: a bridge named after the ID, the subnet asked for or chosen, labels and options kept', () => {
  const n = newNetwork({ name: 'app', labels: { a: 'b' }, internal: true }, [], choose);
  assert.match(n.id, /^[0-9a-f]{64}$/);
  assert.equal(n.bridge, `br-${n.id.slice(0, 12)}`);
  assert.equal(n.subnet, '172.30.0.0/16');
  assert.equal(n.gateway, '172.30.0.1');
  assert.equal(n.autoSubnet, true);
  assert.equal(n.internal, true);
  assert.deepEqual(n.labels, { a: 'b' });
  const fixed = newNetwork({ name: 'db', subnet: '10.5.0.0/24', options: { 'com.docker.network.bridge.name': 'dbbr' } }, [n], choose);
  assert.equal(fixed.bridge, 'dbbr');
  assert.equal(fixed.autoSubnet, undefined);
});

test('newNetwork refuses bad names, taken names and bridges, overlapping subnets and other drivers', () => {
  const existing = [newNetwork({ name: 'app', subnet: '10.5.0.0/24' }, [], choose)] as NetworkRecord[];
  assert.throws(() => newNetwork({ name: '-bad' }, existing, choose), /invalid network name "-bad"/);
  assert.throws(() => newNetwork({ name: 'app' }, existing, choose), /network with name app already exists/);
  assert.throws(() => newNetwork({ name: 'x', subnet: '10.5.0.128/25' }, existing, choose), /Pool overlaps/);
  assert.throws(() => newNetwork({ name: 'x', driver: 'overlay' }, existing, choose), /plugin "overlay" not found/);
  assert.throws(() => newNetwork({ name: 'x', options: { 'com.docker.network.bridge.name': 'a-very-long-bridge-name' } }, existing, choose), /at most 15/);
  assert.throws(() => newNetwork({ name: 'x', options: { 'com.docker.network.bridge.name': existing[0]?.bridge ?? '' } }, existing, choose), /already used by another network/);
});
