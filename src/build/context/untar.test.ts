import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getAttributeSync, listAttributesSync, setAttributeSync } from 'fs-xattr';
import { errorKind } from '../../lib/index.js';
import { buildTar, listTree, scratch, streamOf, type TarFixture } from './test-fixtures.js';
import { fileHashes } from './hash-cache.js';
import { untar } from './untar.js';

function userXattrs(dir: string): boolean {
  const probe = join(dir, 'xattr-probe');
  writeFileSync(probe, '');
  try {
    setAttributeSync(probe, 'user.probe', Buffer.from('1'));
    return true;
  } catch {
    return false;
  }
}

/** Extracts `entries` into a fresh `root` (optionally prepared), and returns the scratch dir and error. */
async function extract(entries: TarFixture[], prepare?: (root: string, outside: string) => void) {
  const s = scratch();
  const root = s.mkdir('root');
  const outside = s.mkdir('outside');
  prepare?.(root, outside);
  let error: unknown = null;
  await untar(streamOf(await buildTar(entries), 333), root).catch((err: unknown) => (error = err));
  return { s, root, outside, error };
}

describe('untar (Docker Untar semantics)', () => {
  it('writes .wh. names as plain files: an archive is no layer', async () => {
    const { s, root, error } = await extract([{ name: '.wh.keep', content: 'w' }, { name: 'd/.wh..wh..opq', content: '' }], (r) => {
      writeFileSync(join(r, 'keep'), 'k');
      mkdirSync(join(r, 'd'));
      writeFileSync(join(r, 'd/old'), 'o');
    });
    try {
      assert.equal(error, null);
      assert.deepEqual(listTree(root), ['.wh.keep = w', 'd/', 'd/.wh..wh..opq = ', 'd/old = o', 'keep = k']);
    } finally {
      s.cleanup();
    }
  });

  it('keeps modes, owners, times and xattrs; drops overlayfs xattrs', async () => {
    const { s, root, error } = await extract([
      { name: 'bin/', type: 'directory', mode: 0o751, uid: 5, gid: 6, mtime: new Date(1_000_000_000) },
      { name: 'bin/tool', content: 't', mode: 0o4755, uid: 7, gid: 8, mtime: new Date(1_200_000_000), pax: { 'SCHILY.xattr.user.k': 'v', 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      { name: 'pipe', type: 'fifo', mode: 0o640 },
    ]);
    try {
      assert.equal(error, null, String(error));
      const dir = lstatSync(join(root, 'bin'));
      assert.deepEqual([dir.mode & 0o7777, dir.uid, dir.gid, dir.mtimeMs], [0o751, 5, 6, 1_000_000_000]);
      const tool = lstatSync(join(root, 'bin/tool'));
      assert.deepEqual([tool.mode & 0o7777, tool.uid, tool.gid, tool.mtimeMs], [0o4755, 7, 8, 1_200_000_000]);
      // Filesystems without user xattrs drop them (best effort, as Docker).
      if (userXattrs(s.dir)) assert.equal(getAttributeSync(join(root, 'bin/tool'), 'user.k').toString(), 'v');
      assert.equal(listAttributesSync(join(root, 'bin/tool')).includes('trusted.overlay.opaque'), false);
      assert.equal(lstatSync(join(root, 'pipe')).isFIFO(), true);
    } finally {
      s.cleanup();
    }
  });

  it('takes absolute names and link targets inside the destination', async () => {
    const { s, root, outside, error } = await extract([
      { name: '/abs/file', content: 'a' },
      { name: 'toroot', type: 'symlink', linkname: '/' },
      { name: 'toroot/via-link', content: 'l' },
      { name: 'up', type: 'symlink', linkname: '../../../..' },
      { name: 'up/outside/climbed', content: 'c' },
      { name: 'hard', type: 'link', linkname: '/abs/file' },
    ]);
    try {
      assert.equal(error, null, String(error));
      assert.deepEqual(listTree(outside), []);
      assert.equal(readFileSync(join(root, 'abs/file'), 'utf8'), 'a');
      assert.equal(readFileSync(join(root, 'via-link'), 'utf8'), 'l');
      assert.equal(readFileSync(join(root, 'outside/climbed'), 'utf8'), 'c');
      assert.equal(lstatSync(join(root, 'hard')).ino, lstatSync(join(root, 'abs/file')).ino);
    } finally {
      s.cleanup();
    }
  });

  for (const [what, entries] of [
    ['a name climbing out', [{ name: '../escaped', content: 'x' }]],
    ['a name climbing out after a directory', [{ name: 'a/../../escaped', content: 'x' }]],
    ['a hardlink climbing out', [{ name: 'h', type: 'link', linkname: '../outside/victim' }]],
  ] as [string, TarFixture[]][]) {
    it(`refuses ${what}`, async () => {
      const { s, outside, error } = await extract(entries, (_r, o) => writeFileSync(join(o, 'victim'), 'v'));
      try {
        assert.equal(errorKind(error), 'invalid-argument', String(error));
        assert.match((error as Error).message, /outside of the destination/);
        assert.deepEqual(listTree(outside), ['victim = v']);
        assert.equal(lstatSync(join(s.dir, 'escaped'), { throwIfNoEntry: false }), undefined);
      } finally {
        s.cleanup();
      }
    });
  }

  it('replaces what is at a name instead of writing through it', async () => {
    const { s, root, outside, error } = await extract(
      [
        { name: 'link-to-outside', content: 'replaced' },
        { name: 'was-dir', content: 'file now' },
        { name: 'was-file/', type: 'directory' },
        { name: 'was-file/inner', content: 'i' },
      ],
      (r, o) => {
        writeFileSync(join(o, 'victim'), 'v');
        symlinkSync(join(o, 'victim'), join(r, 'link-to-outside'));
        mkdirSync(join(r, 'was-dir/sub'), { recursive: true });
        writeFileSync(join(r, 'was-file'), 'f');
      },
    );
    try {
      assert.equal(error, null, String(error));
      assert.deepEqual(listTree(outside), ['victim = v']);
      assert.deepEqual(listTree(root), ['link-to-outside = replaced', 'was-dir = file now', 'was-file/', 'was-file/inner = i']);
    } finally {
      s.cleanup();
    }
  });

  it('follows a directory replaced by a link later in the archive, inside the destination', async () => {
    const { s, root, outside, error } = await extract([
      { name: 'a/', type: 'directory' },
      { name: 'a/x', content: 'x' },
      { name: 'a', type: 'symlink', linkname: '/b' },
      { name: 'a/y', content: 'y' },
    ]);
    try {
      assert.equal(error, null, String(error));
      assert.deepEqual(listTree(outside), []);
      assert.deepEqual(listTree(root), ['a -> /b', 'b/', 'b/y = y']);
    } finally {
      s.cleanup();
    }
  });

  it('remembers the hash of each file it writes, for the first COPY', async () => {
    const { s, root, error } = await extract([{ name: 'd/f', content: 'hello', mode: 0o644 }]);
    try {
      assert.equal(error, null, String(error));
      const path = join(root, 'd/f');
      const expected = createHash('sha256').update('hello').digest('hex');
      assert.equal(fileHashes.cached(path, lstatSync(path, { bigint: true })), expected);
      // Any change to the file makes the remembered hash stale.
      writeFileSync(path, 'other');
      assert.equal(fileHashes.cached(path, lstatSync(path, { bigint: true })), undefined);
    } finally {
      s.cleanup();
    }
  });

  it('refuses a missing hardlink target and a truncated archive', async () => {
    const missing = await extract([{ name: 'h', type: 'link', linkname: 'nothing' }]);
    missing.s.cleanup();
    assert.equal(errorKind(missing.error), 'invalid-argument');
    const s = scratch();
    try {
      const tarball = await buildTar([{ name: 'f', content: 'x'.repeat(3000) }]);
      await assert.rejects(untar(streamOf(tarball.subarray(0, 1024)), s.mkdir('root')), (err: Error) => errorKind(err) === 'invalid-argument');
    } finally {
      s.cleanup();
    }
  });
});
