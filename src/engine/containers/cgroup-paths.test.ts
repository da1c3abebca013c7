import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgroupPaths, procsDir } from './cgroup-paths.js';

const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

test('v1 and hybrid: one directory per controller, the unified line ignored', () => {
  const procCgroup = ['9:name=systemd:/berth/c1', '8:pids:/berth/c1', '4:memory:/berth/c1', '2:cpuacct:/berth/c1', '1:cpu:/berth/c1', '0::/'].join('\n');
  const paths = parseCgroupPaths(procCgroup, HYBRID_MOUNTINFO);
  assert.deepEqual(paths, {
    version: 1,
    controllers: {
      'name=systemd': '/sys/fs/cgroup/systemd/berth/c1',
      pids: '/sys/fs/cgroup/pids/berth/c1',
      memory: '/sys/fs/cgroup/memory/berth/c1',
      cpuacct: '/sys/fs/cgroup/cpuacct/berth/c1',
      cpu: '/sys/fs/cgroup/cpu/berth/c1',
    },
  });
  assert.equal(procsDir(paths), '/sys/fs/cgroup/pids/berth/c1');
});

test('v1 with co-mounted cpu,cpuacct and a mount whose root is not /', () => {
  const mountinfo = [
    '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '31 25 0:27 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  ].join('\n');
  const paths = parseCgroupPaths('3:cpu,cpuacct:/a/b\n2:memory:/outer/a/b\n', mountinfo);
  assert.deepEqual(paths, {
    version: 1,
    controllers: { cpu: '/sys/fs/cgroup/cpu,cpuacct/a/b', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/a/b', memory: '/sys/fs/cgroup/memory/a/b' },
  });
});

test('v2: the unified directory', () => {
  const mountinfo = '30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
  assert.deepEqual(parseCgroupPaths('0::/berth/c1\n', mountinfo), { version: 2, dir: '/sys/fs/cgroup/berth/c1' });
  assert.equal(procsDir({ version: 2, dir: '/x' }), '/x');
});

test('no hierarchy shows the process: not found', () => {
  assert.throws(() => parseCgroupPaths('0::/a\n', ''), /no mounted cgroup hierarchy/);
});
