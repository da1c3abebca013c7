import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CAPABILITIES } from './capabilities.js';
import { detectHost, runtimeInvocation } from './host.js';
import { fakeHost } from './spec-testutil.js';

test('detectHost probes this machine once and caches the answer', async () => {
  const a = detectHost();
  assert.equal(detectHost(), a);
  const host = await a;
  assert.ok(['v1', 'hybrid', 'v2'].includes(host.cgroup.layout));
  assert.ok(host.cpus >= 1);
  assert.ok(host.kernel.version[0] >= 3);
  for (const c of host.capabilityBounding) assert.ok(ALL_CAPABILITIES.includes(c), c);
  if (process.getuid?.() === 0) assert.ok(host.capabilityBounding.includes('CAP_SYS_ADMIN'));
  assert.ok(host.rlimits.RLIMIT_NOFILE !== undefined && host.rlimits.RLIMIT_NOFILE.soft <= host.rlimits.RLIMIT_NOFILE.hard);
  for (const rt of Object.values(host.runtimes)) assert.match(rt.version, /^\d+\.\d+/);
  const again = detectHost({ refresh: true });
  assert.notEqual(again, a);
  assert.deepEqual((await again).cgroup, host.cgroup);
});

test('runtimeInvocation: crun on a hybrid host runs with the cgroup2 mount hidden in a private mount namespace', () => {
  const argv = runtimeInvocation('crun', fakeHost({ layout: 'hybrid' }));
  assert.deepEqual(argv, [
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    'umount /sys/fs/cgroup/unified && exec "$0" "$@"',
    '/usr/bin/crun',
  ]);
});

test('runtimeInvocation: runc anywhere, and crun on v1 or v2, run as they are', () => {
  assert.deepEqual(runtimeInvocation('runc', fakeHost({ layout: 'hybrid' })), ['/usr/sbin/runc']);
  assert.deepEqual(runtimeInvocation('crun', fakeHost({ layout: 'v2' })), ['/usr/bin/crun']);
  assert.deepEqual(runtimeInvocation('crun', fakeHost({ layout: 'v1' })), ['/usr/bin/crun']);
});

test('runtimeInvocation refuses a runtime the host lacks, or the tools to hide cgroup2', () => {
  const host = fakeHost();
  delete host.runtimes.crun;
  assert.throws(() => runtimeInvocation('crun', host), { kind: 'failed-precondition' });
  const noUnshare = fakeHost();
  noUnshare.tools = {};
  assert.throws(() => runtimeInvocation('crun', noUnshare), { kind: 'failed-precondition', message: /unshare/ });
  const odd = fakeHost();
  odd.cgroup.unifiedMountpoint = '/sys/fs/cgroup/un ified;rm';
  assert.throws(() => runtimeInvocation('crun', odd), { kind: 'failed-precondition' });
});
