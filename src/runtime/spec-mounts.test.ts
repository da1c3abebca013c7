import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMounts, defaultMounts, rootfsPropagationFor } from './spec-mounts.js';
import type { MountInput } from './spec-input.js';

const defaults = defaultMounts({ privileged: false, cgroupLayout: 'v1', shmSize: 64 << 20, hostIpc: false });

test('bind mounts: rbind, ro/rw, rprivate unless asked otherwise', () => {
  const mounts = buildMounts(defaults, [
    { type: 'bind', source: '/srv/a', destination: '/a' },
    { type: 'bind', source: '/srv/b', destination: '/b/', readonly: true, propagation: 'rslave', recursive: false },
  ]);
  assert.deepEqual(mounts.find((m) => m.destination === '/a')?.options, ['rbind', 'rw', 'rprivate']);
  assert.deepEqual(mounts.find((m) => m.destination === '/b')?.options, ['bind', 'ro', 'rslave']);
});

test('tmpfs mounts: nosuid,nodev,noexec by default, size and mode, options override', () => {
  const mounts = buildMounts(defaults, [
    { type: 'tmpfs', destination: '/run', size: 1 << 20, mode: 0o1777 },
    { type: 'tmpfs', destination: '/scratch', options: ['exec'], readonly: true },
  ]);
  assert.deepEqual(mounts.find((m) => m.destination === '/run'), {
    destination: '/run',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'nodev', 'noexec', 'size=1048576', 'mode=1777'],
  });
  assert.deepEqual(mounts.find((m) => m.destination === '/scratch')?.options, ['nosuid', 'nodev', 'ro', 'exec']);
});

test('a user mount replaces the default at the same place; parents come before children', () => {
  const mounts = buildMounts(defaults, [
    { type: 'tmpfs', destination: '/data/cache' },
    { type: 'bind', source: '/srv/data', destination: '/data' },
    { type: 'tmpfs', destination: '/dev/shm', size: 1 << 30 },
  ]);
  const dests = mounts.map((m) => m.destination);
  assert.equal(dests.filter((d) => d === '/dev/shm').length, 1);
  assert.ok(mounts.find((m) => m.destination === '/dev/shm')?.options?.includes('size=1073741824'));
  assert.ok(dests.indexOf('/data') < dests.indexOf('/data/cache'));
  assert.ok(dests.indexOf('/dev') < dests.indexOf('/dev/shm'));
});

test('bad mounts are refused naming the mount', () => {
  const cases: [MountInput, RegExp][] = [
    [{ type: 'bind', source: 'rel', destination: '/x' }, /mounts\[0\].*source/],
    [{ type: 'bind', source: '/x', destination: 'x' }, /mounts\[0\].*destination/],
    [{ type: 'bind', source: '/x', destination: '/' }, /mounts\[0\].*root/],
    [{ type: 'bind', source: '/x', destination: '/y', propagation: 'weird' as 'shared' }, /propagation/],
    [{ type: 'tmpfs', destination: '/t', size: -1 }, /size/],
    [{ type: 'tmpfs', destination: '/t', mode: 0o17777 }, /mode/],
    [{ type: 'tmpfs', destination: '/t', options: ['a,b'] }, /option/],
    [{ type: 'nfs', destination: '/t' } as unknown as MountInput, /mount type/],
  ];
  for (const [m, message] of cases) assert.throws(() => buildMounts(defaults, [m]), { kind: 'invalid-argument', message }, JSON.stringify(m));
  assert.throws(
    () => buildMounts(defaults, [{ type: 'tmpfs', destination: '/t' }, { type: 'tmpfs', destination: '/t/' }]),
    { kind: 'invalid-argument', message: /mounts\[1\].*duplicate/ },
  );
});

test('rootfs propagation follows shared or slave bind mounts', () => {
  assert.equal(rootfsPropagationFor([]), undefined);
  assert.equal(rootfsPropagationFor([{ type: 'bind', source: '/a', destination: '/a', propagation: 'rslave' }]), 'rslave');
  assert.equal(
    rootfsPropagationFor([
      { type: 'bind', source: '/a', destination: '/a', propagation: 'rslave' },
      { type: 'bind', source: '/b', destination: '/b', propagation: 'shared' },
    ]),
    'rshared',
  );
});
