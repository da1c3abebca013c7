import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { setAttribute } from 'fs-xattr';
import { errorKind, type ErrorKind } from '../lib/index.js';
import { digestOf, type Digest } from '../oci/index.js';
import { MAX_MOUNT_DATA, overlayOptions, unmountAllUnder } from './overlay-mount.js';
import { chainIds } from './snapshots-chain.js';
import { Snapshotter } from './snapshots.js';

const run = promisify(execFile);

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'berth-snapshots-')));
  try {
    await fn(root);
  } finally {
    await unmountAllUnder(root);
    await rm(root, { recursive: true, force: true });
  }
}

async function withSnapshotter(fn: (s: Snapshotter, root: string) => Promise<void>): Promise<void> {
  await withRoot(async (root) => {
    const snapshotter = await Snapshotter.open(root);
    try {
      await fn(snapshotter, root);
    } finally {
      await unmountAllUnder(root);
      snapshotter.close();
    }
  });
}

const kind =
  (expected: ErrorKind) =>
  (err: unknown): boolean =>
    errorKind(err) === expected;

const diff = (label: string): Digest => digestOf(label);

/** Commits one layer written by `write` into the directory it is given. */
async function commitLayer(
  s: Snapshotter,
  chainId: Digest,
  parent: Digest | undefined,
  write: (fs: string) => Promise<void>,
): Promise<void> {
  const pending = await s.prepareCommit(chainId, parent);
  try {
    await write(pending.path);
  } catch (err) {
    await pending.abort();
    throw err;
  }
  await pending.commit();
}

test('chainIds follows the OCI definition', () => {
  const [a, b, c] = [diff('a'), diff('b'), diff('c')];
  const ab = digestOf(`${a} ${b}`);
  assert.deepEqual(chainIds([a, b, c]), [a, ab, digestOf(`${ab} ${c}`)]);
  assert.deepEqual(chainIds([]), []);
  assert.throws(() => chainIds(['sha256:nothex' as Digest]), kind('invalid-argument'));
});

test('a chain of three layers mounts, takes writes, and is removed in order', async () => {
  await withSnapshotter(async (s) => {
    const [c1, c2, c3] = chainIds([diff('l1'), diff('l2'), diff('l3')]) as [Digest, Digest, Digest];
    await commitLayer(s, c1, undefined, async (fs) => {
      await mkdir(join(fs, 'etc'));
      await writeFile(join(fs, 'etc/a'), 'one');
      await writeFile(join(fs, 'etc/removed'), 'x');
      await mkdir(join(fs, 'data'));
      await writeFile(join(fs, 'data/old'), 'old');
    });
    await commitLayer(s, c2, c1, async (fs) => {
      await mkdir(join(fs, 'etc'));
      await writeFile(join(fs, 'etc/a'), 'two');
      await run('mknod', [join(fs, 'etc/removed'), 'c', '0', '0']);
    });
    await commitLayer(s, c3, c2, async (fs) => {
      await mkdir(join(fs, 'data'));
      await setAttribute(join(fs, 'data'), 'trusted.overlay.opaque', 'y');
      await writeFile(join(fs, 'data/new'), 'new');
    });

    assert.ok(s.has(c3));
    const info = s.get(c3);
    assert.equal(info.parent, c2);
    assert.equal(info.chainId, c3);
    assert.equal(info.path, join(s.dir, String(info.id), 'fs'));
    assert.deepEqual(s.lowerDirs(c3), [s.get(c3).path, s.get(c2).path, s.get(c1).path]);
    assert.deepEqual(
      s.list().map((i) => i.chainId),
      [c1, c2, c3],
    );
    assert.ok((await s.usage(c1)) > 0);

    const active = await s.createActive('container-1', c3);
    assert.equal(active.parent, c3);
    const merged = await s.mount('container-1');
    assert.equal(merged, active.merged);
    assert.equal(await s.mount('container-1'), merged, 'mount is idempotent');
    assert.equal(await readFile(join(merged, 'etc/a'), 'utf8'), 'two');
    assert.equal(existsSync(join(merged, 'etc/removed')), false, 'whiteout hides the lower file');
    assert.deepEqual(await readdir(join(merged, 'data')), ['new'], 'opaque dir hides the lower content');

    await writeFile(join(merged, 'etc/written'), 'by container');
    await s.unmount('container-1');
    await s.unmount('container-1');
    assert.equal(existsSync(join(merged, 'etc')), false, 'unmounted');
    assert.equal(await readFile(join(active.upper, 'etc/written'), 'utf8'), 'by container');
    assert.ok((await s.activeUsage('container-1')) > 0);
    assert.deepEqual(
      s.listActive().map((a) => a.key),
      ['container-1'],
    );

    await assert.rejects(s.remove(c2), kind('failed-precondition'), 'c3 sits on c2');
    await assert.rejects(s.remove(c3), kind('failed-precondition'), 'container-1 sits on c3');
    await s.mount('container-1');
    await s.removeActive('container-1');
    assert.equal(existsSync(active.merged), false);
    await s.remove(c3);
    await s.remove(c2);
    await s.remove(c1);
    assert.deepEqual(s.list(), []);
    assert.deepEqual((await readdir(s.dir)).filter((n) => /^\d+$/.test(n)), []);
    assert.deepEqual(await readdir(join(s.dir, 'tmp')), []);
  });
});

test('an active snapshot without a parent is a bind mount of its upper dir', async () => {
  await withSnapshotter(async (s) => {
    const active = await s.createActive('scratch');
    const merged = await s.mount('scratch');
    await writeFile(join(merged, 'hello'), 'world');
    await s.unmount('scratch');
    assert.equal(await readFile(join(active.upper, 'hello'), 'utf8'), 'world');
    await s.removeActive('scratch');
  });
});

test('errors carry kinds', async () => {
  await withSnapshotter(async (s) => {
    const [c1] = chainIds([diff('x')]) as [Digest];
    assert.throws(() => s.get(c1), kind('not-found'));
    await assert.rejects(s.prepareCommit('nope' as Digest), kind('invalid-argument'));
    await assert.rejects(s.prepareCommit(c1, diff('missing-parent')), kind('not-found'));
    await assert.rejects(s.createActive('k', c1), kind('not-found'));
    await assert.rejects(s.mount('nobody'), kind('not-found'));
    await commitLayer(s, c1, undefined, async () => undefined);
    await assert.rejects(s.prepareCommit(c1), kind('already-exists'));
    await s.createActive('k', c1);
    await assert.rejects(s.createActive('k', c1), kind('already-exists'));
    await assert.rejects(s.createActive(''), kind('invalid-argument'));
    const pending = await s.prepareCommit(chainIds([c1, diff('y')])[1] as Digest, c1);
    await pending.commit();
    await assert.rejects(pending.commit(), kind('failed-precondition'));
  });
});

test('two unpackers of one chain ID end with one snapshot', async () => {
  await withRoot(async (root) => {
    const a = await Snapshotter.open(root);
    const b = await Snapshotter.open(root);
    try {
      const [c1] = chainIds([diff('race')]) as [Digest];
      const first = await a.prepareCommit(c1);
      const second = await b.prepareCommit(c1);
      await writeFile(join(first.path, 'f'), 'first');
      await writeFile(join(second.path, 'f'), 'second');
      const [x, y] = await Promise.all([first.commit(), second.commit()]);
      assert.equal(x.id, y.id);
      assert.equal(a.list().length, 1);
      assert.equal(b.list().length, 1);
      assert.deepEqual(await readdir(join(a.dir, 'tmp')), [], 'the loser discarded its files');
      assert.deepEqual((await readdir(a.dir)).filter((n) => /^\d+$/.test(n)), [String(x.id)]);
    } finally {
      a.close();
      b.close();
    }
  });
});

test('a 120-layer chain mounts with short relative lower paths', async () => {
  await withSnapshotter(async (s) => {
    const ids = chainIds(Array.from({ length: 120 }, (_, i) => diff(`layer-${i}`)));
    let parent: Digest | undefined;
    for (const [i, chainId] of ids.entries()) {
      await commitLayer(s, chainId, parent, async (fs) => {
        await writeFile(join(fs, `f${i}`), String(i));
        await writeFile(join(fs, 'top'), String(i));
      });
      parent = chainId;
    }
    const top = ids[ids.length - 1] as Digest;
    const lowers = s.lowerDirs(top);
    assert.equal(lowers.length, 120);
    // With absolute paths the options would not fit in a page.
    assert.throws(
      () => overlayOptions({ lower: lowers, upper: '/u', work: '/w', target: '/m' }),
      kind('invalid-argument'),
    );
    assert.ok(lowers.join(':').length > MAX_MOUNT_DATA + 1);

    await s.createActive('big', top);
    const merged = await s.mount('big');
    assert.equal(await readFile(join(merged, 'top'), 'utf8'), '119');
    const names = await readdir(merged);
    assert.equal(names.length, 121);
    assert.equal(await readFile(join(merged, 'f0'), 'utf8'), '0');
    await s.removeActive('big');
  });
});

test('crash leftovers are removed at open', async () => {
  await withRoot(async (root) => {
    const snapshotsUrl = new URL('./snapshots.js', import.meta.url).href;
    const [c1, c2] = chainIds([diff('crash-1'), diff('crash-2')]) as [Digest, Digest];
    // A process that dies half-way through an extraction.
    const script = `
      import { writeFileSync } from 'node:fs';
      import { join } from 'node:path';
      import { Snapshotter } from ${JSON.stringify(snapshotsUrl)};
      const s = await Snapshotter.open(${JSON.stringify(root)});
      const done = await s.prepareCommit(${JSON.stringify(c1)});
      writeFileSync(join(done.path, 'kept'), 'kept');
      await done.commit();
      const pending = await s.prepareCommit(${JSON.stringify(c2)}, ${JSON.stringify(c1)});
      writeFileSync(join(pending.path, 'half'), 'half');
      process.exit(3);
    `;
    await assert.rejects(run(process.execPath, ['--input-type=module', '-e', script]), (err: unknown) => {
      return (err as { code?: unknown }).code === 3;
    });
    const dir = join(root, 'snapshots');
    assert.equal((await readdir(join(dir, 'tmp'))).length, 1, 'the dead process left its staging dir');
    // A directory renamed into place whose row never got written.
    await mkdir(join(dir, '77/fs'), { recursive: true });

    const s = await Snapshotter.open(root);
    try {
      assert.deepEqual(await readdir(join(dir, 'tmp')), []);
      assert.equal(existsSync(join(dir, '77')), false);
      assert.ok(s.has(c1));
      assert.equal(s.has(c2), false);
      assert.equal(await readFile(join(s.get(c1).path, 'kept'), 'utf8'), 'kept');
      // The half-done chain ID can be unpacked again.
      const again = await s.prepareCommit(c2, c1);
      await again.commit();
      assert.ok(s.has(c2));
      assert.equal((await stat(s.get(c2).path)).isDirectory(), true);
    } finally {
      s.close();
    }
  });
});

test('a layer applied through pending.mount() records deletions as whiteouts', async () => {
  await withSnapshotter(async (s) => {
    const [c1, c2] = chainIds([diff('m1'), diff('m2')]) as [Digest, Digest];
    const base = await s.prepareCommit(c1);
    const baseView = await base.mount();
    assert.equal(baseView, base.path, 'without a parent the view is the layer dir');
    await mkdir(join(baseView, 'dir/sub'), { recursive: true });
    await writeFile(join(baseView, 'dir/sub/old'), 'old');
    await writeFile(join(baseView, 'doomed'), 'doomed');
    await writeFile(join(baseView, 'kept'), 'kept');
    await base.commit();

    const next = await s.prepareCommit(c2, c1);
    const view = await next.mount();
    assert.notEqual(view, next.path);
    assert.equal(await readFile(join(view, 'kept'), 'utf8'), 'kept', 'the parent chain is visible');
    await rm(join(view, 'doomed'));
    await rm(join(view, 'dir'), { recursive: true });
    await mkdir(join(view, 'dir'));
    await writeFile(join(view, 'dir/new'), 'new');
    const info = await next.commit();
    assert.deepEqual(await readdir(join(s.dir, 'tmp')), []);
    assert.deepEqual((await readdir(join(s.dir, String(info.id)))).sort(), ['fs']);
    assert.ok((await stat(join(info.path, 'doomed'))).isCharacterDevice(), 'a whiteout in the layer');

    await s.createActive('check', c2);
    const merged = await s.mount('check');
    assert.deepEqual((await readdir(merged)).sort(), ['dir', 'kept']);
    assert.deepEqual(await readdir(join(merged, 'dir')), ['new']);
    await s.removeActive('check');

    const aborted = await s.prepareCommit(chainIds([c2, diff('m3')])[1] as Digest, c2);
    await aborted.mount();
    await aborted.abort();
    assert.deepEqual(await readdir(join(s.dir, 'tmp')), []);
    assert.equal(s.list().length, 2);
  });
});
