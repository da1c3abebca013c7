import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { MASKED_PATHS, READONLY_PATHS } from './spec-defaults.js';
import { buildSpec } from './spec.js';
import { fakeHost } from './spec-testutil.js';

const base = { rootfs: '/var/lib/berth/c1/rootfs', args: ['sh', '-c', 'echo hi'] };

test('a default container looks like Docker\'s', () => {
  const spec = buildSpec(base, fakeHost());
  assert.equal(spec.ociVersion, '1.0.2');
  assert.deepEqual(spec.root, { path: base.rootfs, readonly: false });
  const p = spec.process;
  assert.deepEqual(p.user, { uid: 0, gid: 0 });
  assert.equal(p.cwd, '/');
  assert.equal(p.terminal, false);
  assert.equal(p.noNewPrivileges, false);
  assert.deepEqual(p.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.equal(p.rlimits, undefined, 'no rlimits unless asked');
  assert.equal(p.oomScoreAdj, undefined);
  assert.deepEqual(new Set(p.capabilities?.bounding), new Set(DEFAULT_CAPABILITIES));
  assert.deepEqual(p.capabilities?.effective, p.capabilities?.bounding);
  assert.deepEqual(p.capabilities?.permitted, p.capabilities?.bounding);
  assert.deepEqual(p.capabilities?.inheritable, []);
  assert.deepEqual(p.capabilities?.ambient, []);

  assert.deepEqual(spec.mounts.map((m) => m.destination), ['/proc', '/dev', '/sys', '/dev/pts', '/dev/mqueue', '/dev/shm', '/sys/fs/cgroup']);
  const byDest = new Map(spec.mounts.map((m) => [m.destination, m]));
  assert.deepEqual(byDest.get('/dev')?.options, ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.deepEqual(byDest.get('/dev/pts')?.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.ok(byDest.get('/sys')?.options?.includes('ro'));
  assert.equal(byDest.get('/sys/fs/cgroup')?.type, 'cgroup');
  assert.ok(byDest.get('/sys/fs/cgroup')?.options?.includes('ro'));
  assert.ok(byDest.get('/dev/shm')?.options?.includes('size=67108864'));

  const l = spec.linux;
  assert.deepEqual(l.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  assert.deepEqual(l.maskedPaths, [...MASKED_PATHS]);
  assert.ok(l.maskedPaths?.includes('/proc/kcore'));
  assert.deepEqual(l.readonlyPaths, [...READONLY_PATHS]);
  assert.deepEqual(l.resources?.devices?.[0], { allow: false, access: 'rwm' });
  assert.ok(l.resources?.devices?.some((d) => d.allow && d.major === 1 && d.minor === 3));
  assert.equal(l.resources?.memory, undefined);
  assert.equal(l.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(l.cgroupsPath, undefined);
  assert.equal(spec.hostname, undefined);
});

test('cgroup v2: cgroup2 mount and a private cgroup namespace', () => {
  const spec = buildSpec(base, fakeHost({ layout: 'v2' }));
  const cg = spec.mounts.find((m) => m.destination === '/sys/fs/cgroup');
  assert.equal(cg?.type, 'cgroup2');
  assert.ok(spec.linux.namespaces.some((n) => n.type === 'cgroup'));
  assert.ok(!buildSpec({ ...base, namespaces: { cgroup: 'host' } }, fakeHost({ layout: 'v2' })).linux.namespaces.some((n) => n.type === 'cgroup'));
  assert.ok(buildSpec({ ...base, namespaces: { cgroup: 'private' } }, fakeHost({ layout: 'v1' })).linux.namespaces.some((n) => n.type === 'cgroup'));
});

test('process fields: user, env, cwd, terminal, oomScoreAdj, noNewPrivileges', () => {
  const spec = buildSpec(
    {
      ...base,
      user: { uid: 1000, gid: 1000, additionalGids: [10, 20] },
      env: ['PATH=/bin', 'A=b=c'],
      cwd: '/work',
      terminal: true,
      oomScoreAdj: 500,
      noNewPrivileges: true,
    },
    fakeHost(),
  );
  const p = spec.process;
  assert.deepEqual(p.user, { uid: 1000, gid: 1000, additionalGids: [10, 20] });
  assert.deepEqual(p.env, ['PATH=/bin', 'A=b=c', 'TERM=xterm']);
  assert.equal(p.cwd, '/work');
  assert.equal(p.terminal, true);
  assert.equal(p.oomScoreAdj, 500);
  assert.equal(p.noNewPrivileges, true);
  // a non-root process keeps only the bounding set
  assert.equal(p.capabilities?.bounding.length, DEFAULT_CAPABILITIES.length);
  assert.deepEqual(p.capabilities?.effective, []);
  assert.deepEqual(p.capabilities?.permitted, []);
});

test('privileged: every capability the host has, no seccomp, no masks, all devices, rw /sys', () => {
  const spec = buildSpec({ ...base, privileged: true }, fakeHost());
  assert.ok(spec.process.capabilities?.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(!spec.process.capabilities?.bounding.includes('CAP_SYS_RESOURCE'), 'the host lacks it');
  assert.equal(spec.linux.seccomp, undefined);
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.deepEqual(spec.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
  assert.ok(spec.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options?.includes('rw'));
});

test('capabilities and seccomp agree: cap_add SYS_ADMIN opens mount/unshare in the profile', () => {
  const spec = buildSpec({ ...base, capAdd: ['sys_admin'] }, fakeHost());
  assert.ok(spec.process.capabilities?.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(spec.linux.seccomp?.syscalls?.[0]?.names.includes('mount'));
  assert.equal(buildSpec({ ...base, seccomp: 'unconfined' }, fakeHost()).linux.seccomp, undefined);
  assert.throws(() => buildSpec({ ...base, capAdd: ['warp_drive'] }, fakeHost()), { kind: 'invalid-argument', message: /warp_drive/ });
});

test('namespaces: host and path modes', () => {
  const spec = buildSpec({ ...base, namespaces: { network: { path: '/run/netns/berth-1' }, pid: 'host', ipc: 'host' } }, fakeHost());
  assert.deepEqual(spec.linux.namespaces, [{ type: 'network', path: '/run/netns/berth-1' }, { type: 'uts' }, { type: 'mount' }]);
  // with the host's IPC namespace /dev/shm and /dev/mqueue are the host's
  assert.equal(spec.mounts.find((m) => m.destination === '/dev/shm')?.type, 'bind');
  assert.throws(() => buildSpec({ ...base, namespaces: { network: { path: 'relative' } } }, fakeHost()), { kind: 'invalid-argument', message: /namespaces\.network/ });
  assert.throws(() => buildSpec({ ...base, hostname: 'web', namespaces: { uts: 'host' } }, fakeHost()), { kind: 'invalid-argument', message: /hostname/ });
});

test('hostname, cgroupsPath, sysctl and annotations', () => {
  const spec = buildSpec(
    {
      ...base,
      hostname: 'web-1',
      cgroupsPath: '/berth/abc',
      sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000000', 'fs.mqueue.msg_max': '20' },
      annotations: { 'io.berth.name': 'web' },
    },
    fakeHost(),
  );
  assert.equal(spec.hostname, 'web-1');
  assert.equal(spec.linux.cgroupsPath, '/berth/abc');
  assert.deepEqual(spec.linux.sysctl, { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000000', 'fs.mqueue.msg_max': '20' });
  assert.deepEqual(spec.annotations, { 'io.berth.name': 'web' });
  assert.throws(() => buildSpec({ ...base, sysctl: { 'vm.swappiness': '1' } }, fakeHost()), { kind: 'invalid-argument', message: /vm\.swappiness/ });
  assert.throws(() => buildSpec({ ...base, sysctl: { 'net.core.somaxconn': '1' }, namespaces: { network: 'host' } }, fakeHost()), {
    kind: 'invalid-argument',
    message: /network/,
  });
  assert.throws(() => buildSpec({ ...base, sysctl: { 'kernel.sem': '1' }, namespaces: { ipc: 'host' } }, fakeHost()), { kind: 'invalid-argument' });
  assert.throws(() => buildSpec({ ...base, hostname: 'bad name' }, fakeHost()), { kind: 'invalid-argument', message: /hostname/ });
  assert.throws(() => buildSpec({ ...base, cgroupsPath: '/berth/../../etc' }, fakeHost()), { kind: 'invalid-argument', message: /cgroupsPath/ });
});

test('bad process fields are refused, naming the field', () => {
  const cases: [Parameters<typeof buildSpec>[0], RegExp][] = [
    [{ ...base, args: [] }, /args/],
    [{ ...base, rootfs: '' }, /rootfs/],
    [{ ...base, cwd: 'work' }, /cwd/],
    [{ ...base, env: ['NOEQUALS'] }, /env\[0\]/],
    [{ ...base, env: ['=x'] }, /env\[0\]/],
    [{ ...base, user: { uid: -1, gid: 0 } }, /user\.uid/],
    [{ ...base, user: { uid: 0, gid: 0, additionalGids: [1.5] } }, /additionalGids\[0\]/],
    [{ ...base, oomScoreAdj: 1001 }, /oomScoreAdj/],
    [{ ...base, shmSize: 0 }, /shmSize/],
  ];
  for (const [input, field] of cases) assert.throws(() => buildSpec(input, fakeHost()), { kind: 'invalid-argument', message: field }, String(field));
});

test('resources, rlimits and user mounts end up in the spec', () => {
  const spec = buildSpec(
    {
      ...base,
      resources: { memory: 64 << 20, cpus: 1.5, pidsLimit: 20 },
      rlimits: [{ type: 'nofile', soft: 512, hard: 1024 }],
      mounts: [{ type: 'bind', source: '/srv/data', destination: '/data', readonly: true }],
      readonlyRootfs: true,
    },
    fakeHost(),
  );
  assert.deepEqual(spec.linux.resources?.memory, { limit: 64 << 20, swap: 128 << 20 });
  assert.deepEqual(spec.linux.resources?.cpu, { quota: 150000, period: 100000 });
  assert.deepEqual(spec.linux.resources?.pids, { limit: 20 });
  assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 512n, hard: 1024n }]);
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro', 'rprivate'] });
  assert.equal(spec.root.readonly, true);
});
