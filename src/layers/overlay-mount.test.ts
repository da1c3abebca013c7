import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { errorKind } from '../lib/index.js';
import {
  bindMount,
  isMountPoint,
  mountOverlay,
  mountsUnder,
  overlayOptions,
  unmount,
  unmountAllUnder,
} from './overlay-mount.js';

const invalid = (err: unknown): boolean => errorKind(err) === 'invalid-argument';

test('overlayOptions builds the option string and refuses what the kernel would', () => {
  assert.equal(
    overlayOptions({ lower: ['2/fs', '1/fs'], upper: '3/fs', work: '3/work', target: '/m' }),
    'index=off,redirect_dir=off,metacopy=off,lowerdir=2/fs:1/fs,upperdir=3/fs,workdir=3/work',
  );
  assert.equal(
    overlayOptions({ lower: ['2/fs', '1/fs'], target: '/m', readonly: true }),
    'ro,index=off,redirect_dir=off,metacopy=off,lowerdir=2/fs:1/fs',
  );
  assert.throws(() => overlayOptions({ lower: [], upper: 'u', work: 'w', target: '/m' }), invalid);
  assert.throws(() => overlayOptions({ lower: ['1'], target: '/m' }), invalid);
  assert.throws(() => overlayOptions({ lower: ['1'], upper: 'u', target: '/m' }), invalid);
  assert.throws(() => overlayOptions({ lower: ['a:b'], upper: 'u', work: 'w', target: '/m' }), invalid);
  assert.throws(() => overlayOptions({ lower: ['a,b'], upper: 'u', work: 'w', target: '/m' }), invalid);
  const many = Array.from({ length: 501 }, (_, i) => String(i));
  assert.throws(() => overlayOptions({ lower: many, upper: 'u', work: 'w', target: '/m' }), invalid);
  const long = Array.from({ length: 200 }, (_, i) => `/var/lib/berth/snapshots/${i}/fs`);
  assert.throws(() => overlayOptions({ lower: long, upper: 'u', work: 'w', target: '/m' }), invalid);
});

test('mounts are found in mountinfo, also under paths with spaces', async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'berth overlay-mount ')));
  try {
    const source = join(dir, 'source dir');
    const target = join(dir, 'target dir');
    await mkdir(source);
    await mkdir(target);
    await writeFile(join(source, 'f'), 'bound');
    assert.equal(await isMountPoint(target), false);
    await bindMount(source, target, { readonly: true });
    assert.equal(await isMountPoint(target), true);
    assert.deepEqual(await mountsUnder(dir), [target]);
    assert.equal(await readFile(join(target, 'f'), 'utf8'), 'bound');
    await assert.rejects(writeFile(join(target, 'g'), 'no'), /EROFS/);
    await unmount(target);
    assert.equal(await isMountPoint(target), false);

    // Relative lower/upper paths resolve against cwd.
    for (const d of ['l1', 'l2', 'u', 'w', 'm']) await mkdir(join(dir, d));
    await writeFile(join(dir, 'l1/a'), 'l1');
    await writeFile(join(dir, 'l2/a'), 'l2');
    await mountOverlay({ lower: ['l2', 'l1'], upper: 'u', work: 'w', target: join(dir, 'm'), cwd: dir });
    assert.equal(await readFile(join(dir, 'm/a'), 'utf8'), 'l2');
    await bindMount(source, target);
    assert.equal((await mountsUnder(dir)).length, 2);
    assert.equal(await unmountAllUnder(dir), true);
    assert.deepEqual(await mountsUnder(dir), []);
  } finally {
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
});
