import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveInRoot } from './rootfs-file.js';
import { resolveUser } from './users.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
const group = 'root:x:0:\napp:x:1000:\nwheel:x:10:app,other\naudio:x:29:app\n';

test('resolveUser: names, numbers, groups and supplementary groups', () => {
  assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.deepEqual(resolveUser('app', passwd, group), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/app' });
  assert.deepEqual(resolveUser('app:wheel', passwd, group), { uid: 1000, gid: 10, additionalGids: [29], home: '/home/app' });
  assert.deepEqual(resolveUser('4242:7', passwd, group), { uid: 4242, gid: 7, additionalGids: [], home: '/' });
  assert.throws(() => resolveUser('ghost', passwd, group), /unable to find user ghost: no matching entries in passwd file/);
  assert.throws(() => resolveUser('app:nogroup', passwd, group), /unable to find group nogroup/);
});

test('resolveInRoot keeps symlinks inside the root', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-rir-'));
  try {
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc/real'), 'x');
    symlinkSync('/../../../etc/real', path.join(root, 'etc/passwd'));
    symlinkSync('../../../../nothing', path.join(root, 'etc/group'));
    assert.equal(await resolveInRoot(root, '/etc/passwd'), path.join(root, 'etc/real'));
    assert.equal(await resolveInRoot(root, '/etc/group'), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
