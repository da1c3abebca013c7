/*
 * Overlay round trip: a base layer unpacked into a snapshot, changed through a mounted
 * overlay, diffed from the upper dir, then base + diff applied elsewhere (into a plain
 * directory, and unpacked as a second snapshot mounted again) must give the same tree.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmod,
  chown,
  link,
  mkdir,
  mkdtemp,
  realpath,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { setAttribute } from 'fs-xattr';
import { applyLayer, chainIds, diffUpperDir, Snapshotter, tarDirectory, unmountAllUnder, unpackLayer } from '../../src/layers/index.js';
import { describeTree } from '../../src/layers/layer-fixtures.js';
import { digestOf, type Digest } from '../../src/oci/index.js';

const run = promisify(execFile);

async function buffer(tar: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function makeBase(dir: string): Promise<void> {
  await mkdir(join(dir, 'etc/conf.d'), { recursive: true });
  await mkdir(join(dir, 'var/cache/app/nested'), { recursive: true });
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'tmp'));
  await chmod(join(dir, 'tmp'), 0o1777);
  await writeFile(join(dir, 'etc/hostname'), 'base\n');
  await writeFile(join(dir, 'etc/conf.d/a.conf'), 'a=1\n');
  await writeFile(join(dir, 'etc/conf.d/b.conf'), 'b=1\n');
  await writeFile(join(dir, 'var/cache/app/one'), '1');
  await writeFile(join(dir, 'var/cache/app/nested/two'), '2');
  await writeFile(join(dir, 'bin/tool'), '#!/bin/sh\necho tool\n');
  await chmod(join(dir, 'bin/tool'), 0o4755);
  await link(join(dir, 'bin/tool'), join(dir, 'bin/tool-alias'));
  await symlink('tool', join(dir, 'bin/link'));
  await writeFile(join(dir, 'owned'), 'owned');
  await chown(join(dir, 'owned'), 1000, 1000);
  await writeFile(join(dir, 'with-xattr'), 'x');
  await setAttribute(join(dir, 'with-xattr'), 'user.base', 'base-value');
  await run('mkfifo', [join(dir, 'fifo')]);
  await run('mknod', [join(dir, 'null'), 'c', '1', '3']);
}

async function change(root: string): Promise<void> {
  await writeFile(join(root, 'etc/hostname'), 'changed\n');
  await rm(join(root, 'etc/conf.d/b.conf'));
  await rm(join(root, 'var/cache/app'), { recursive: true });
  await mkdir(join(root, 'var/cache/app'));
  await writeFile(join(root, 'var/cache/app/fresh'), 'fresh');
  await mkdir(join(root, 'new/deep'), { recursive: true });
  await writeFile(join(root, 'new/deep/file'), 'new');
  await link(join(root, 'new/deep/file'), join(root, 'new/hard'));
  await chown(join(root, 'owned'), 2000, 3000);
  await chmod(join(root, 'etc/hostname'), 0o600);
  await setAttribute(join(root, 'with-xattr'), 'user.added', Buffer.from([0, 0xff, 1]));
  await setAttribute(join(root, 'etc/hostname'), 'user.copied-up', 'yes');
  await unlink(join(root, 'bin/link'));
  await symlink('/elsewhere', join(root, 'bin/link'));
  await rename(join(root, 'etc/conf.d/a.conf'), join(root, 'etc/conf.d/renamed.conf'));
  await rm(join(root, 'fifo'));
  await run('mknod', [join(root, 'zero'), 'c', '1', '5']);
}

test('overlay round trip: apply, change, diff, apply elsewhere gives the same tree', async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'berth-roundtrip-')));
  let snapshotter: Snapshotter | undefined;
  try {
    const base = join(dir, 'base');
    await mkdir(base);
    await makeBase(base);
    const baseTar = await buffer(tarDirectory(base));

    snapshotter = await Snapshotter.open(join(dir, 'root'));
    const s = snapshotter;
    const [c1] = chainIds([digestOf(baseTar)]) as [Digest];
    await unpackLayer(s, { chainId: c1, expectedDiffId: digestOf(baseTar), open: async () => Readable.from([baseTar]) });
    assert.deepEqual(describeTree(s.get(c1).path, { mtimes: false }), describeTree(base, { mtimes: false }), 'the base layer applies faithfully');

    const active = await s.createActive('roundtrip', c1);
    const merged = await s.mount('roundtrip');
    await change(merged);
    const expected = describeTree(merged, { mtimes: false });
    await s.unmount('roundtrip');
    const diffTar = await buffer(diffUpperDir(active.upper));

    // Base + diff applied into a plain directory.
    const out = join(dir, 'out');
    await mkdir(out);
    await applyLayer(Readable.from([baseTar]), out);
    const diffResult = await applyLayer(Readable.from([diffTar]), out);
    assert.deepEqual(describeTree(out, { mtimes: false }), expected);

    // The diff as a second snapshot of its own, whiteouts in overlay form, mounted on
    // top of the first.
    assert.equal(diffResult.diffId, digestOf(diffTar));
    const [, c2] = chainIds([digestOf(baseTar), diffResult.diffId]) as [Digest, Digest];
    await unpackLayer(s, { chainId: c2, parent: c1, expectedDiffId: diffResult.diffId, open: async () => Readable.from([diffTar]) });
    await s.createActive('check', c2);
    const view = await s.mount('check');
    assert.deepEqual(describeTree(view, { mtimes: false }), expected);
    await s.removeActive('check');
    await s.removeActive('roundtrip');
  } finally {
    await unmountAllUnder(dir);
    snapshotter?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
