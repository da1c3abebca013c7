import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  capabilitiesFromMask,
  capabilityMask,
  capabilitySet,
  normalizeCapability,
} from './capabilities.js';

const host = { capabilityBounding: ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE') };
const sorted = (names: readonly string[]): string[] => ALL_CAPABILITIES.filter((c) => names.includes(c));

test('the default set is Docker\'s 14 capabilities, mask a80425fb', () => {
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  assert.deepEqual(capabilitySet({}, host), sorted(DEFAULT_CAPABILITIES));
  assert.equal(capabilityMask(DEFAULT_CAPABILITIES), '00000000a80425fb');
});

test('capability names: CAP_ prefix optional, any case; unknown names refused, naming them', () => {
  assert.equal(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapability('Cap_Sys_Ptrace'), 'CAP_SYS_PTRACE');
  assert.equal(normalizeCapability('all'), 'ALL');
  assert.throws(() => normalizeCapability('CAP_FLY'), { kind: 'invalid-argument', message: /CAP_FLY/ });
  assert.throws(() => capabilitySet({ add: ['sys_admin', 'teleport'] }, host), { kind: 'invalid-argument', message: /teleport/ });
});

test('add and drop adjust the default set; an add wins over a drop of the same name', () => {
  const caps = capabilitySet({ add: ['net_admin', 'SYS_PTRACE'], drop: ['mknod', 'CAP_NET_RAW'] }, host);
  assert.ok(caps.includes('CAP_NET_ADMIN') && caps.includes('CAP_SYS_PTRACE'));
  assert.ok(!caps.includes('CAP_MKNOD') && !caps.includes('CAP_NET_RAW'));
  assert.ok(capabilitySet({ add: ['kill'], drop: ['kill'] }, host).includes('CAP_KILL'));
  assert.deepEqual(caps, ALL_CAPABILITIES.filter((c) => caps.includes(c)), 'ordered by bit');
});

test('ALL: drop ALL keeps only the adds; add ALL keeps everything but the drops', () => {
  assert.deepEqual(capabilitySet({ drop: ['ALL'], add: ['chown', 'setuid'] }, host), ['CAP_CHOWN', 'CAP_SETUID']);
  assert.deepEqual(capabilitySet({ drop: ['all'] }, host), []);
  const most = capabilitySet({ add: ['ALL'], drop: ['sys_admin'] }, host);
  assert.ok(!most.includes('CAP_SYS_ADMIN'));
  assert.ok(most.includes('CAP_SYS_PTRACE'));
});

test('the result never exceeds the host bounding set', () => {
  const privileged = capabilitySet({ privileged: true }, host);
  assert.equal(privileged.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!privileged.includes('CAP_SYS_RESOURCE'));
  assert.ok(!capabilitySet({ add: ['ALL'] }, host).includes('CAP_SYS_RESOURCE'));
  const small = { capabilityBounding: ['CAP_CHOWN', 'CAP_KILL'] };
  assert.deepEqual(capabilitySet({}, small), ['CAP_CHOWN', 'CAP_KILL']);
  // asking by name for what the host cannot give is an error, not a silent no-op
  assert.throws(() => capabilitySet({ add: ['sys_resource'] }, host), { kind: 'failed-precondition', message: /CAP_SYS_RESOURCE/ });
});

test('masks convert both ways', () => {
  assert.deepEqual(capabilitiesFromMask('000001fffeffffff'), ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'));
  assert.deepEqual(capabilitiesFromMask('0000000000000000'), []);
  assert.equal(capabilityMask(capabilitiesFromMask('00000000a80425fb')), '00000000a80425fb');
});
