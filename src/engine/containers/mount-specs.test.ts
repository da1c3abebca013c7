import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planMounts } from './mount-plan.js';
import { parseBind, parseMount, parseTmpfs, parseVolumesFrom } from './mount-specs.js';
import type { ContainerMount, MountRequest } from './types.js';

test('-v specs: named volumes, host paths, anonymous volumes and their modes', () => {
  assert.deepEqual(parseBind('data:/srv/data', 'binds[0]'), { type: 'volume', source: 'data', destination: '/srv/data', rw: true, mode: 'z', propagation: '', copyData: true });
  assert.deepEqual(parseBind('/host/dir/:/x:ro,rshared', 'binds[0]'), {
    type: 'bind', source: '/host/dir/', destination: '/x', rw: false, mode: 'ro,rshared', propagation: 'rshared', copyData: false, createSource: true,
  });
  assert.equal(parseBind('/h:/x', 'b').propagation, 'rprivate');
  assert.deepEqual(parseBind('/cache/', 'binds[2]'), { type: 'volume', destination: '/cache', rw: true, mode: 'z', propagation: '', copyData: true });
  assert.equal(parseBind('data:/d:nocopy', 'b').copyData, false);
  assert.equal(parseBind('data:/d:ro,z', 'b').rw, false);
});

test('bad -v specs are refused naming the entry', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /binds\[1\]: invalid volume specification: ''/],
    ['/x:rw', /binds\[1\]: invalid volume specification: '\/x:rw'/],
    ['a:/b:c:d', /binds\[1\]: invalid volume specification/],
    ['data:/d:rw,ro', /binds\[1\]: invalid mode: rw,ro/],
    ['data:/d:bogus', /binds\[1\]: invalid mode: bogus/],
    ['data:relative', /binds\[1\]: invalid mount path: 'relative' mount path must be absolute/],
    ['/h:/', /binds\[1\]: .*destination can't be '\/'/],
    ['a:/d', /binds\[1\]: "a" includes invalid characters.*at least two|binds\[1\]: "a" includes invalid characters/],
    ['bad name!:/d', /binds\[1\]: "bad name!" includes invalid characters for a local volume name/],
    ['data:/d:rshared', /binds\[1\]: .*BindOptions must not be specified/],
  ];
  for (const [raw, message] of cases) assert.throws(() => parseBind(raw, 'binds[1]'), { kind: 'invalid-argument', message }, raw);
});

test('--tmpfs entries: size with units, octal mode, other options kept', () => {
  assert.deepEqual(parseTmpfs('/run/', 'size=64m,mode=1777,exec', 'tmpfs'), {
    type: 'tmpfs', destination: '/run', rw: true, mode: '', propagation: '', copyData: false, tmpfs: { size: 64 << 20, mode: 0o1777, options: ['exec'] },
  });
  assert.deepEqual(parseTmpfs('/t', '', 'tmpfs').tmpfs, {});
  assert.equal(parseTmpfs('/t', 'ro', 'tmpfs').rw, false);
  assert.throws(() => parseTmpfs('/t', 'size=lots', 'tmpfs["/t"]'), { kind: 'invalid-argument', message: /tmpfs\["\/t"\]: invalid tmpfs size "lots"/ });
  assert.throws(() => parseTmpfs('/t', 'mode=999', 'tmpfs["/t"]'), { kind: 'invalid-argument', message: /tmpfs\["\/t"\]: invalid tmpfs mode "999"/ });
  assert.throws(() => parseTmpfs('/t', 'size=1m,,exec', 'tmpfs["/t"]'), { kind: 'invalid-argument', message: /invalid tmpfs option ""/ });
  assert.throws(() => parseTmpfs('t', '', 'tmpfs["t"]'), { kind: 'invalid-argument', message: /tmpfs\["t"\]: invalid mount path/ });
});

test('structured mounts: each type, and the fields that do not belong to it', () => {
  assert.deepEqual(parseMount({ type: 'bind', source: '/h', target: '/x', readOnly: true, bindOptions: { propagation: 'rslave', nonRecursive: true } }, 'mounts[0]'), {
    type: 'bind', source: '/h', destination: '/x', rw: false, mode: '', propagation: 'rslave', copyData: false, createSource: false, nonRecursive: true,
  });
  assert.deepEqual(parseMount({ type: 'volume', source: 'v1', target: '/v', volumeOptions: { noCopy: true, labels: { a: 'b' } } }, 'mounts[0]'), {
    type: 'volume', source: 'v1', destination: '/v', rw: true, mode: 'z', propagation: '', copyData: false, volumeLabels: { a: 'b' },
  });
  assert.deepEqual(parseMount({ type: 'tmpfs', target: '/t', tmpfsOptions: { sizeBytes: 1 << 20, mode: 0o700, options: [['exec']] } }, 'mounts[0]').tmpfs, {
    size: 1 << 20, mode: 0o700, options: ['exec'],
  });
  const cases: Array<[MountRequest, RegExp]> = [
    [{ type: 'bind', target: '/x' }, /mounts\[3\]: invalid mount config for type "bind": field Source must not be empty/],
    [{ type: 'bind', source: 'rel', target: '/x' }, /mounts\[3\]: .*'rel' mount path must be absolute/],
    [{ type: 'bind', source: '/h', target: '/x', bindOptions: { propagation: 'weird' as 'shared' } }, /invalid propagation mode: weird/],
    [{ type: 'bind', source: '/h', target: '/x', volumeOptions: {} }, /VolumeOptions must not be specified/],
    [{ type: 'volume', target: '/x', readOnly: true }, /must not set ReadOnly mode when using anonymous volumes/],
    [{ type: 'volume', source: 'v', target: '/x', bindOptions: {} }, /BindOptions must not be specified/],
    [{ type: 'tmpfs', source: 'x', target: '/x' }, /field Source must not be specified/],
    [{ type: 'tmpfs', target: '/x', tmpfsOptions: { options: [['suid']] } }, /invalid option: suid/],
    [{ type: 'tmpfs', target: '/x', tmpfsOptions: { mode: 0o17777 } }, /invalid TmpfsOptions.Mode/],
    [{ type: 'volume', source: 'v', target: '' }, /mounts\[3\]\.Target: field Target must not be empty/],
    [{ type: 'npipe', target: '/x' } as unknown as MountRequest, /mounts\[3\]: .*mount type unknown/],
  ];
  for (const [m, message] of cases) assert.throws(() => parseMount(m, 'mounts[3]'), { kind: 'invalid-argument', message }, JSON.stringify(m));
});

test('--volumes-from: rw by default, ro on request, no propagation or copy modes', () => {
  assert.deepEqual(parseVolumesFrom('data', 'v'), { container: 'data', rw: true });
  assert.deepEqual(parseVolumesFrom('data:ro', 'v'), { container: 'data', rw: false });
  assert.throws(() => parseVolumesFrom('', 'volumesFrom[0]'), { message: /volumesFrom\[0\]: .*empty/ });
  assert.throws(() => parseVolumesFrom('data:rshared', 'volumesFrom[0]'), { message: /volumesFrom\[0\]: invalid mode: rshared/ });
  assert.throws(() => parseVolumesFrom('data:nocopy', 'volumesFrom[0]'), { message: /invalid mode: nocopy/ });
});

test('plan: binds override volumes-from, image VOLUMEs fill what is left, duplicates refused', () => {
  const source: ContainerMount[] = [
    { type: 'volume', name: 'shared', source: '/root/volumes/shared/_data', destination: '/shared', driver: 'local', mode: 'z', rw: true, propagation: '', anonymous: true },
    { type: 'bind', source: '/host', destination: '/over', mode: '', rw: true, propagation: 'rprivate' },
  ];
  const plan = planMounts(
    { image: 'x', binds: ['mine:/over'], volumesFrom: ['donor:ro'], tmpfs: { '/tmp': 'size=1m' }, volumes: ['/extra'] },
    ['/shared', '/data', '/tmp'],
    (name) => {
      assert.equal(name, 'donor');
      return source;
    },
  );
  const byDest = new Map(plan.map((m) => [m.destination, m]));
  assert.deepEqual([...byDest.keys()].sort(), ['/data', '/extra', '/over', '/shared', '/tmp']);
  assert.deepEqual(byDest.get('/shared'), { type: 'volume', source: 'shared', destination: '/shared', rw: false, mode: 'z', propagation: '', copyData: false, volumeDriver: 'local', sharedAnonymous: true });
  assert.equal(byDest.get('/over')?.source, 'mine');
  assert.equal(byDest.get('/tmp')?.type, 'tmpfs');
  assert.deepEqual(byDest.get('/data'), { type: 'volume', destination: '/data', rw: true, mode: '', propagation: '', copyData: true });

  assert.throws(() => planMounts({ image: 'x', binds: ['a1:/d', '/h:/d/'] }, [], () => []), { kind: 'invalid-argument', message: 'Duplicate mount point: /d' });
  assert.throws(() => planMounts({ image: 'x', binds: ['a1:/d'], mounts: [{ type: 'tmpfs', target: '/d' }] }, [], () => []), { message: 'Duplicate mount point: /d' });
  assert.throws(() => planMounts({ image: 'x', binds: ['a1:/t'], tmpfs: { '/t': '' } }, [], () => []), { message: 'Duplicate mount point: /t' });
});
