import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RLIM_INFINITY,
  capBndFromStatus,
  cgroupMountsFromMountinfo,
  parseKernelRelease,
  parseProcLimits,
  parseRuntimeVersion,
} from './host-parse.js';

const HYBRID = `22 1 0:20 / / rw,relatime - overlay overlay rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

test('cgroup layout: hybrid when v1 hierarchies sit beside cgroup2 at /sys/fs/cgroup/unified', () => {
  const m = cgroupMountsFromMountinfo(HYBRID);
  assert.equal(m.layout, 'hybrid');
  assert.equal(m.unifiedMountpoint, '/sys/fs/cgroup/unified');
  assert.deepEqual(
    m.v1.map((h) => [h.mountpoint, h.controllers]),
    [
      ['/sys/fs/cgroup/cpu', ['cpu']],
      ['/sys/fs/cgroup/memory', ['memory']],
      ['/sys/fs/cgroup/pids', ['pids']],
      ['/sys/fs/cgroup/systemd', ['name=systemd']],
    ],
  );
});

test('cgroup layout: v1 without a cgroup2 mount, v2 when /sys/fs/cgroup is cgroup2', () => {
  const v1 = HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n');
  assert.equal(cgroupMountsFromMountinfo(v1).layout, 'v1');
  assert.equal(cgroupMountsFromMountinfo(v1).unifiedMountpoint, undefined);
  const v2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
  assert.deepEqual(cgroupMountsFromMountinfo(v2), { layout: 'v2', v1: [], unifiedMountpoint: '/sys/fs/cgroup' });
  // cpu,cpuacct co-mounted, optional fields before the separator
  const comounted = '33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n';
  assert.deepEqual(cgroupMountsFromMountinfo(comounted).v1, [{ mountpoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] }]);
});

test('parseProcLimits reads soft and hard limits, unlimited as RLIM_INFINITY', () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max stack size            8388608              unlimited            bytes
Max processes             96365                96365                processes
Max open files            20000                20000                files
Max nice priority         0                    0
Max realtime timeout      unlimited            unlimited            us
`;
  const l = parseProcLimits(text);
  assert.deepEqual(l.RLIMIT_NOFILE, { soft: 20000n, hard: 20000n });
  assert.deepEqual(l.RLIMIT_STACK, { soft: 8388608n, hard: RLIM_INFINITY });
  assert.deepEqual(l.RLIMIT_NICE, { soft: 0n, hard: 0n });
  assert.deepEqual(l.RLIMIT_RTTIME, { soft: RLIM_INFINITY, hard: RLIM_INFINITY });
  assert.equal(l.RLIMIT_NPROC?.hard, 96365n);
  assert.equal(RLIM_INFINITY, 18446744073709551615n);
});

test('capBndFromStatus, parseRuntimeVersion, parseKernelRelease', () => {
  assert.equal(capBndFromStatus('Name:\tcat\nCapPrm:\t0\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n'), '000001fffeffffff');
  assert.equal(capBndFromStatus('nothing'), '0');
  assert.equal(parseRuntimeVersion('runc version 1.1.5+ds1\ncommit: x\nspec: 1.0.2-dev\n'), '1.1.5+ds1');
  assert.equal(parseRuntimeVersion('crun version 1.8.1\ncommit: f8a0\n'), '1.8.1');
  assert.deepEqual(parseKernelRelease('6.18.44-fc-v657'), [6, 18]);
  assert.deepEqual(parseKernelRelease('weird'), [0, 0]);
});
