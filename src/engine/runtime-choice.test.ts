import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorKind } from '../lib/index.js';
import type { HostInfo, RuntimeName } from '../runtime/index.js';
import { chooseRuntime } from './runtime-choice.js';

function host(layout: 'v1' | 'hybrid' | 'v2', installed: RuntimeName[]): HostInfo {
  const runtimes: HostInfo['runtimes'] = {};
  for (const name of installed) runtimes[name] = { name, path: `/usr/bin/${name}`, version: '1', versionOutput: `${name} version 1` };
  return {
    kernel: { release: '6.1.0', version: [6, 1] },
    arch: 'x64',
    cpus: 2,
    cgroup: {
      layout,
      v1: [],
      ...(layout === 'v1' ? {} : { unifiedMountpoint: layout === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified' }),
      v2Controllers: [],
      swapAccounting: false,
    },
    runtimes,
    capabilityBounding: [],
    rlimits: {},
    tools: { unshare: '/usr/bin/unshare', sh: '/bin/sh' },
    features: { seccomp: true, userNamespaces: true, apparmor: false },
  };
}

test('runc by default, straight', () => {
  const choice = chooseRuntime(undefined, host('hybrid', ['runc', 'crun']));
  assert.equal(choice.name, 'runc');
  assert.deepEqual(choice.command, ['/usr/bin/runc']);
  assert.deepEqual(choice.available, { runc: '/usr/bin/runc', crun: '/usr/bin/crun' });
});

test('crun on a hybrid host runs in a mount namespace without the cgroup2 mount', () => {
  const choice = chooseRuntime('crun', host('hybrid', ['runc', 'crun']));
  assert.equal(choice.name, 'crun');
  assert.equal(choice.path, '/usr/bin/crun');
  assert.equal(choice.command[0], '/usr/bin/unshare');
  assert.equal(choice.command.at(-1), '/usr/bin/crun');
});

test('crun on cgroup v2 runs as is', () => {
  assert.deepEqual(chooseRuntime('crun', host('v2', ['crun'])).command, ['/usr/bin/crun']);
});

test('an unknown runtime is an invalid argument, a missing one a failed precondition', () => {
  assert.throws(() => chooseRuntime('kata', host('v2', ['runc'])), (err: unknown) => errorKind(err) === 'invalid-argument' && /unknown runtime "kata"/.test(String(err)));
  assert.throws(() => chooseRuntime('crun', host('v2', ['runc'])), (err: unknown) => errorKind(err) === 'failed-precondition' && /crun is not installed/.test(String(err)));
});

test('without runc and without a choice the engine still opens (starts fail later)', () => {
  assert.equal(chooseRuntime(undefined, host('v2', [])).path, '/usr/bin/runc');
});
