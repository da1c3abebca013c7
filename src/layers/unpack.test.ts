import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { errorKind } from '../lib/index.js';
import { digestOf, type Digest } from '../oci/index.js';
import { applyLayer } from './apply.js';
import { buildTar, describeTree, streamOf, type FixtureEntry } from './layer-fixtures.js';
import { unmountAllUnder } from './overlay-mount.js';
import { chainIds } from './snapshots-chain.js';
import { Snapshotter } from './snapshots.js';
import { unpackLayer } from './unpack.js';

async function withSnapshotter(fn: (s: Snapshotter, dir: string) => Promise<void>): Promise<void> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'berth-unpack-')));
  let snapshotter: Snapshotter | undefined;
  try {
    snapshotter = await Snapshotter.open(join(dir, 'root'));
    await fn(snapshotter, dir);
  } finally {
    await unmountAllUnder(dir);
    snapshotter?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const T = new Date(1_600_000_000_000);
const directory = (name: string, extra: Partial<FixtureEntry> = {}): FixtureEntry => ({ name, type: 'directory', mode: 0o755, mtime: T, ...extra });
const file = (name: string, content: string, extra: Partial<FixtureEntry> = {}): FixtureEntry => ({
  name,
  type: 'file',
  mode: 0o644,
  content,
  ...extra,
});
const whiteout = (name: string): FixtureEntry => ({ name, type: 'file' });

/**
 * Unpacks `layers` as a chain of snapshots, mounts the top one, and checks that the merged
 * view shows what applying the same layers in delete mode into one directory gives.
 */
async function assertSameAsDeleteMode(s: Snapshotter, dir: string, layers: FixtureEntry[][]): Promise<void> {
  const tars = await Promise.all(layers.map((entries) => buildTar(entries)));
  const diffIds = tars.map((tar) => digestOf(tar));
  const chain = chainIds(diffIds);
  let parent: Digest | undefined;
  for (const [i, tar] of tars.entries()) {
    const chainId = chain[i] as Digest;
    const info = await unpackLayer(s, { chainId, parent, expectedDiffId: diffIds[i] as Digest, open: async () => streamOf(tar) });
    assert.equal(info.chainId, chainId);
    assert.equal(info.parent, parent);
    parent = chainId;
  }

  const reference = join(dir, 'reference');
  await mkdir(reference);
  for (const tar of tars) await applyLayer(streamOf(tar), reference);

  await s.createActive('check', parent);
  try {
    const merged = await s.mount('check');
    assert.deepEqual(describeTree(merged), describeTree(reference));
  } finally {
    await s.removeActive('check');
  }
}

describe('unpackLayer', () => {
  it('unpacks a chain whose merged view equals applying the layers in delete mode', () =>
    withSnapshotter(async (s, dir) => {
      await assertSameAsDeleteMode(s, dir, [
        [
          directory('etc/'),
          file('etc/hostname', 'base\n'),
          file('etc/passwd', 'root:x:0:0\n'),
          directory('var/'),
          directory('var/cache/'),
          directory('var/cache/app/', { mode: 0o750, uid: 1000, gid: 1000 }),
          file('var/cache/app/one', '1'),
          directory('var/cache/app/nested/'),
          file('var/cache/app/nested/two', '2'),
          directory('var/log/'),
          file('var/log/old.log', 'old'),
          directory('bin/'),
          file('bin/tool', '#!/bin/sh\n', { mode: 0o4755 }),
          { name: 'bin/tool-alias', type: 'link', linkname: 'bin/tool' },
          { name: 'bin/link', type: 'symlink', linkname: 'tool', mtime: T },
          directory('data/'),
          file('data/keep', 'keep'),
          file('data/gone', 'gone'),
          directory('data/sub/'),
          file('data/sub/old', 'old'),
          { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3, mtime: T },
          file('x', 'x', { pax: { 'SCHILY.xattr.user.base': 'base' } }),
          directory('usr/', { mode: 0o750, uid: 7, gid: 8 }),
          directory('usr/share/', { mode: 0o2755, pax: { 'SCHILY.xattr.user.share': 'kept' } }),
          file('usr/share/doc/readme', 'doc'),
          file('usr/share/man', 'man'),
          file('gone-dir/x', 'x'),
        ],
        [
          // A file deletion, a directory deletion, a directory deleted and made again
          // (opaque), a replaced file, a deleted link.
          directory('data/'),
          whiteout('data/.wh.gone'),
          directory('var/'),
          whiteout('var/.wh.log'),
          directory('var/cache/'),
          directory('var/cache/app/', { mode: 0o700 }),
          whiteout('var/cache/app/.wh..wh..opq'),
          file('var/cache/app/fresh', 'fresh'),
          directory('etc/'),
          file('etc/hostname', 'changed\n', { mode: 0o600, uid: 2000, gid: 3000 }),
          directory('bin/'),
          whiteout('bin/.wh.link'),
          whiteout('nowhere/.wh.nothing'),
          directory('brandnew/'),
          whiteout('brandnew/.wh.ghost'),
          // Without entries for its directories, which must keep their metadata.
          whiteout('usr/share/.wh.doc'),
        ],
        [
          // The deleted file comes back, a file replaced again, a whiteout of what this
          // layer adds too (in both orders), a whiteout of a whiteout.
          directory('data/'),
          file('data/gone', 'back'),
          file('data/keep', 'replaced'),
          directory('data/sub/'),
          file('data/sub/mine', 'mine'),
          whiteout('data/.wh.sub'),
          whiteout('.wh.x'),
          file('x', 'new x'),
          directory('var/'),
          whiteout('var/.wh.log'),
          directory('etc/'),
          whiteout('etc/.wh.passwd'),
          directory('var/cache/'),
          directory('var/cache/app/', { mode: 0o700 }),
          file('var/cache/app/fresh', 'fresher', { pax: { 'SCHILY.xattr.user.added': 'yes' } }),
          // Whiteouts of a path and of its parent, the deeper one first.
          whiteout('gone-dir/.wh.x'),
          whiteout('.wh.gone-dir'),
        ],
      ]);
    }));

  it('unpacks a layer that makes the root opaque', () =>
    withSnapshotter(async (s, dir) => {
      await assertSameAsDeleteMode(s, dir, [
        [directory('a/'), file('a/lower', 'l'), file('b', 'b'), file('c', 'c')],
        [whiteout('.wh.c'), file('d', 'd')],
        [whiteout('.wh..wh..opq'), directory('a/'), file('a/upper', 'u'), file('e', 'e')],
        [file('f', 'f')],
      ]);
    }));

  it('returns an existing snapshot without opening the layer', () =>
    withSnapshotter(async (s) => {
      const tar = await buildTar([file('f', 'x')]);
      const diffId = digestOf(tar);
      const first = await unpackLayer(s, { chainId: diffId, expectedDiffId: diffId, open: async () => streamOf(tar) });
      let opened = 0;
      const again = await unpackLayer(s, {
        chainId: diffId,
        expectedDiffId: diffId,
        open: async () => {
          opened++;
          return streamOf(tar);
        },
      });
      assert.equal(opened, 0);
      assert.deepEqual(again, first);
    }));

  it('refuses a layer whose diff ID or chain ID does not match, leaving no snapshot', () =>
    withSnapshotter(async (s) => {
      const tar = await buildTar([file('f', 'x')]);
      const other = digestOf('something else');
      await assert.rejects(unpackLayer(s, { chainId: other, expectedDiffId: other, open: async () => streamOf(tar) }), (err: Error) => {
        assert.equal(errorKind(err), 'invalid-argument');
        assert.match(err.message, /diff ID/);
        return true;
      });
      assert.equal(s.has(other), false);

      let opened = 0;
      const open = async (): Promise<Readable> => {
        opened++;
        return streamOf(tar);
      };
      const diffId = digestOf(tar);
      await assert.rejects(unpackLayer(s, { chainId: other, expectedDiffId: diffId, open }), (err: Error) => errorKind(err) === 'invalid-argument');
      const [, onTop] = chainIds([diffId, diffId]) as [Digest, Digest];
      await assert.rejects(unpackLayer(s, { chainId: onTop, expectedDiffId: diffId, open }), (err: Error) => errorKind(err) === 'invalid-argument');
      assert.equal(opened, 0);
      // A parent that does not exist.
      await assert.rejects(unpackLayer(s, { chainId: onTop, parent: diffId, expectedDiffId: diffId, open }), (err: Error) => errorKind(err) === 'not-found');
      assert.equal(opened, 0);
      assert.deepEqual(s.list(), []);
      assert.deepEqual(await readdir(join(s.dir, 'tmp')), []);
    }));

  it('discards the snapshot of a hostile, corrupt or unreadable layer', () =>
    withSnapshotter(async (s) => {
      const hostile = await buildTar([{ name: 'l', type: 'symlink', linkname: '../..' }, whiteout('l/.wh.etc')]);
      const truncated = (await buildTar([file('f', 'x'.repeat(3000))])).subarray(0, 1500);
      const cases: Array<[Digest, () => Promise<Readable>, string]> = [
        [digestOf(hostile), async () => streamOf(hostile), 'invalid-argument'],
        [digestOf(truncated), async () => streamOf(truncated), 'invalid-argument'],
        [digestOf('unreadable'), async () => Promise.reject(new Error('blob is gone')), 'internal'],
        [
          digestOf('stream error'),
          async () =>
            new Readable({
              read() {
                this.destroy(new Error('read failed'));
              },
            }),
          'internal',
        ],
      ];
      for (const [diffId, open, kind] of cases) {
        await assert.rejects(unpackLayer(s, { chainId: diffId, expectedDiffId: diffId, open }), (err: Error) => errorKind(err) === kind);
        assert.equal(s.has(diffId), false);
      }
      assert.deepEqual(s.list(), []);
      assert.deepEqual(await readdir(join(s.dir, 'tmp')), []);
    }));
});
