import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { getAttributeSync, listAttributesSync } from 'fs-xattr';
import { errorKind } from '../lib/index.js';
import { applyLayer } from './apply.js';
import { openLayerStream } from './decompress.js';
import { buildTar, majorMinor, makeSandbox, streamOf, type FixtureEntry, type RawPax, type Sandbox } from './layer-fixtures.js';

async function withSandbox(fn: (box: Sandbox) => Promise<void>): Promise<void> {
  const box = makeSandbox('apply');
  try {
    await fn(box);
  } finally {
    box.cleanup();
  }
}

async function apply(box: Sandbox, entries: Array<FixtureEntry | RawPax>, options = {}) {
  return applyLayer(streamOf(await buildTar(entries)), box.target, options);
}

const T = (rel: string, box: Sandbox): string => join(box.target, rel);
const mtimeOf = (path: string): number => lstatSync(path).mtimeMs;
const list = (path: string): string[] => readdirSync(path).sort();

describe('applyLayer: entry types and metadata', () => {
  it('creates every entry type', () =>
    withSandbox(async (box) => {
      await apply(box, [
        { name: 'dir/', type: 'directory', mode: 0o755 },
        { name: 'dir/file', type: 'file', mode: 0o644, content: 'hello' },
        { name: 'dir/link', type: 'symlink', linkname: 'file' },
        { name: 'dir/hard', type: 'link', linkname: 'dir/file' },
        { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
        { name: 'dev/loop0', type: 'block-device', mode: 0o660, devmajor: 7, devminor: 0 },
        { name: 'run/fifo', type: 'fifo', mode: 0o600 },
      ]);
      assert.ok(lstatSync(T('dir', box)).isDirectory());
      assert.equal(readFileSync(T('dir/file', box), 'utf8'), 'hello');
      assert.equal(readlinkSync(T('dir/link', box)), 'file');
      assert.equal(lstatSync(T('dir/hard', box)).ino, lstatSync(T('dir/file', box)).ino);
      assert.equal(lstatSync(T('dir/file', box)).nlink, 2);
      const nul = lstatSync(T('dev/null', box));
      assert.ok(nul.isCharacterDevice());
      assert.deepEqual(majorMinor(nul.rdev), [1, 3]);
      assert.equal(nul.mode & 0o7777, 0o666);
      const loop = lstatSync(T('dev/loop0', box));
      assert.ok(loop.isBlockDevice());
      assert.deepEqual(majorMinor(loop.rdev), [7, 0]);
      assert.ok(lstatSync(T('run/fifo', box)).isFIFO());
      // Missing parents are created 0755 root.
      const run = lstatSync(T('run', box));
      assert.equal(run.mode & 0o7777, 0o755);
      assert.equal(run.uid, 0);
    }));

  it('sets ownership from the header on every type, and keeps ours with noSameOwner', () =>
    withSandbox(async (box) => {
      const owned = { uid: 1234, gid: 5678 };
      const entries: FixtureEntry[] = [
        { name: 'd/', type: 'directory', ...owned },
        { name: 'd/f', type: 'file', content: 'x', ...owned },
        { name: 'd/empty', type: 'file', ...owned },
        { name: 'd/l', type: 'symlink', linkname: '/nowhere', ...owned },
        { name: 'd/p', type: 'fifo', ...owned },
      ];
      await apply(box, entries);
      for (const name of ['d', 'd/f', 'd/empty', 'd/l', 'd/p']) {
        const st = lstatSync(T(name, box));
        assert.deepEqual([st.uid, st.gid], [1234, 5678], name);
      }
      const other = makeSandbox('apply-nso');
      try {
        await applyLayer(streamOf(await buildTar(entries)), other.target, { noSameOwner: true });
        for (const name of ['d', 'd/f', 'd/l', 'd/p']) {
          assert.equal(lstatSync(join(other.target, name)).uid, process.geteuid?.(), name);
        }
      } finally {
        other.cleanup();
      }
    }));

  it('sets modes including setuid, setgid and sticky, after chown', () =>
    withSandbox(async (box) => {
      await apply(box, [
        { name: 'bin/su', type: 'file', mode: 0o4755, uid: 1234, gid: 1234, content: '#!' },
        { name: 'bin/wall', type: 'file', mode: 0o2755, uid: 0, gid: 5, content: '#!' },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
        { name: 'shared/', type: 'directory', mode: 0o2775, gid: 100 },
        { name: 'shared/inherits', type: 'file', mode: 0o640, content: 'x' },
        { name: 'secret', type: 'file', mode: 0o400, content: 'x' },
        { name: 'script', type: 'file', mode: 0o777, content: 'x' },
      ]);
      const mode = (rel: string): number => lstatSync(T(rel, box)).mode & 0o7777;
      assert.equal(mode('bin/su'), 0o4755);
      assert.equal(lstatSync(T('bin/su', box)).uid, 1234);
      assert.equal(mode('bin/wall'), 0o2755);
      assert.equal(mode('tmp'), 0o1777);
      assert.equal(mode('shared'), 0o2775);
      // The header says gid 0; a setgid parent must not leak its group into the file.
      assert.equal(lstatSync(T('shared/inherits', box)).gid, 0);
      assert.equal(mode('secret'), 0o400);
      assert.equal(mode('script'), 0o777);
    }));

  it('sets mtimes, directory times after their children, and PAX sub-second times', () =>
    withSandbox(async (box) => {
      const when = new Date(1_500_000_000_000);
      await apply(box, [
        { name: 'd/', type: 'directory', mtime: when },
        { name: 'd/f', type: 'file', content: 'x', mtime: new Date(1_400_000_000_000) },
        { name: 'd/l', type: 'symlink', linkname: 'f', mtime: new Date(1_300_000_000_000) },
        { name: 'd/sub/', type: 'directory', mtime: when },
        { name: 'd/sub/g', type: 'file', content: 'y', mtime: when },
        { name: 'precise', type: 'file', content: 'z', pax: { mtime: '1600000000.25' } },
      ]);
      assert.equal(mtimeOf(T('d', box)), 1_500_000_000_000);
      assert.equal(mtimeOf(T('d/sub', box)), 1_500_000_000_000);
      assert.equal(mtimeOf(T('d/f', box)), 1_400_000_000_000);
      assert.equal(mtimeOf(T('d/l', box)), 1_300_000_000_000);
      assert.equal(mtimeOf(T('precise', box)), 1_600_000_000_250);
    }));

  it('applies xattrs, binary values included, and drops overlayfs ones', () =>
    withSandbox(async (box) => {
      const binary = Buffer.from([0x01, 0x00, 0x80, 0xff, 0xfe]);
      await apply(box, [
        { name: 'd/', type: 'directory', pax: { 'SCHILY.xattr.user.dir': 'yes' } },
        { rawPax: [['SCHILY.xattr.user.bin', binary], ['SCHILY.xattr.trusted.overlay.opaque', 'y']] },
        { name: 'd/f', type: 'file', content: 'x' },
        { name: 'd/l', type: 'symlink', linkname: '/etc/passwd', pax: { 'SCHILY.xattr.user.link': 'ignored' } },
      ]);
      assert.equal(getAttributeSync(T('d', box), 'user.dir').toString(), 'yes');
      assert.deepEqual(getAttributeSync(T('d/f', box), 'user.bin'), binary);
      assert.ok(!listAttributesSync(T('d/f', box)).includes('trusted.overlay.opaque'));
      assert.equal(readlinkSync(T('d/l', box)), '/etc/passwd');
    }));

  it('writes large files streamed across many chunks', () =>
    withSandbox(async (box) => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 77);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      const tar = await buildTar([{ name: 'big', type: 'file', content: big }]);
      await applyLayer(streamOf(tar, 65_536), box.target);
      assert.ok(readFileSync(T('big', box)).equals(big));
    }));
});

describe('applyLayer: names', () => {
  it('normalises names and ignores the root entry', () =>
    withSandbox(async (box) => {
      await apply(box, [
        { name: './', type: 'directory', mode: 0o700 },
        { name: './a/./b//c', type: 'file', content: '1' },
        { name: 'x/../y', type: 'file', content: '2' },
        { name: `long/${'n'.repeat(150)}/${'m'.repeat(120)}`, type: 'file', content: '3' },
      ]);
      assert.equal(lstatSync(box.target).mode & 0o777, 0o755);
      assert.equal(readFileSync(T('a/b/c', box), 'utf8'), '1');
      assert.equal(readFileSync(T('y', box), 'utf8'), '2');
      assert.ok(!existsSync(T('x', box)));
      assert.equal(readFileSync(T(`long/${'n'.repeat(150)}/${'m'.repeat(120)}`, box), 'utf8'), '3');
    }));

  it('keeps absolute symlink targets as they are and follows in-root links for parents', () =>
    withSandbox(async (box) => {
      await apply(box, [
        { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' },
        { name: 'usr/lib/', type: 'directory' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'lib64', type: 'symlink', linkname: '/usr/lib' },
        { name: 'usr/bin/', type: 'directory' },
        { name: 'usr/sbin', type: 'symlink', linkname: '../usr/./bin' },
      ]);
      await apply(box, [
        { name: 'lib/a.so', type: 'file', content: 'a' },
        { name: 'lib64/b.so', type: 'file', content: 'b' },
        { name: 'usr/sbin/tool', type: 'file', content: 't' },
      ]);
      assert.equal(readlinkSync(T('etc/localtime', box)), '/usr/share/zoneinfo/UTC');
      assert.deepEqual(list(T('usr/lib', box)), ['a.so', 'b.so']);
      assert.deepEqual(list(T('usr/bin', box)), ['tool']);
      assert.ok(lstatSync(T('lib', box)).isSymbolicLink());
    }));
});

describe('applyLayer: hardlinks', () => {
  it('links to files of this layer and of an earlier one, and refuses missing targets and directories', () =>
    withSandbox(async (box) => {
      await apply(box, [{ name: 'lower', type: 'file', content: 'lower' }]);
      await apply(box, [
        { name: 'upper', type: 'file', content: 'upper' },
        { name: 'l1', type: 'link', linkname: 'upper' },
        { name: 'sub/l2', type: 'link', linkname: './lower' },
        { name: 'sym', type: 'symlink', linkname: 'lower' },
        { name: 'l3', type: 'link', linkname: 'sym' },
        { name: 'upper', type: 'link', linkname: 'upper' },
      ]);
      assert.equal(lstatSync(T('l1', box)).ino, lstatSync(T('upper', box)).ino);
      assert.equal(lstatSync(T('sub/l2', box)).ino, lstatSync(T('lower', box)).ino);
      // link(2) links the symlink itself.
      assert.ok(lstatSync(T('l3', box)).isSymbolicLink());
      assert.equal(readFileSync(T('upper', box), 'utf8'), 'upper');

      for (const [entry, reason] of [
        [{ name: 'bad1', type: 'link', linkname: 'missing' }, /does not exist/],
        [{ name: 'bad2', type: 'link', linkname: 'sub' }, /is a directory/],
        [{ name: 'bad3', type: 'link', linkname: 'nodir/x' }, /does not exist/],
      ] as const) {
        await assert.rejects(apply(box, [entry]), (err: Error) => {
          assert.equal(errorKind(err), 'invalid-argument');
          assert.match(err.message, reason);
          assert.ok(err.message.includes(entry.name), err.message);
          return true;
        });
      }
    }));
});

describe('applyLayer: whiteouts and replacement', () => {
  const lower: FixtureEntry[] = [
    { name: 'a/', type: 'directory' },
    { name: 'a/x', type: 'file', content: 'x' },
    { name: 'a/y', type: 'file', content: 'y' },
    { name: 'a/sub/z', type: 'file', content: 'z' },
    { name: 'b', type: 'file', content: 'b' },
    { name: 'c/deep/er', type: 'file', content: 'c' },
    { name: 'd/old', type: 'file', content: 'old' },
    { name: 'd/keepdir/old2', type: 'file', content: 'old' },
    { name: 'e/old', type: 'file', content: 'old' },
    { name: 'e/sub/old2', type: 'file', content: 'old' },
  ];

  it('removes files and trees named by whiteouts, which are never created themselves', () =>
    withSandbox(async (box) => {
      await apply(box, lower);
      await apply(box, [
        { name: '.wh.b', type: 'file' },
        { name: 'a/.wh.x', type: 'file' },
        { name: '.wh.c', type: 'file' },
        { name: 'a/.wh.nothing', type: 'file' },
        { name: 'nodir/.wh.nothing', type: 'file' },
        { name: 'a/.wh..wh.plnk', type: 'directory' },
      ]);
      assert.deepEqual(list(box.target), ['a', 'd', 'e']);
      assert.deepEqual(list(T('a', box)), ['sub', 'y']);
    }));

  it('empties opaque directories of lower content, with the marker before or after siblings', () =>
    withSandbox(async (box) => {
      await apply(box, lower);
      await apply(box, [
        { name: 'd/', type: 'directory' },
        { name: 'd/.wh..wh..opq', type: 'file' },
        { name: 'd/new', type: 'file', content: 'new' },
        { name: 'e/new', type: 'file', content: 'new' },
        { name: 'e/sub/new2', type: 'file', content: 'new' },
        { name: 'e/.wh..wh..opq', type: 'file' },
      ]);
      assert.deepEqual(list(T('d', box)), ['new']);
      assert.deepEqual(list(T('e', box)), ['new', 'sub']);
      assert.deepEqual(list(T('e/sub', box)), ['new2']);
      // Untouched neighbours stay.
      assert.deepEqual(list(T('a', box)), ['sub', 'x', 'y']);
    }));

  it('lets a whiteout hide lower content only, never this layer\'s own entries', () =>
    withSandbox(async (box) => {
      await apply(box, lower);
      await apply(box, [
        { name: 'a/x', type: 'file', content: 'again' },
        { name: 'a/.wh.x', type: 'file' },
        { name: 'a/sub/mine', type: 'file', content: 'mine' },
        { name: 'a/.wh.sub', type: 'file' },
      ]);
      assert.equal(readFileSync(T('a/x', box), 'utf8'), 'again');
      assert.deepEqual(list(T('a/sub', box)), ['mine']);
    }));

  it('replaces file by directory, directory by file, link by file, and merges directories', () =>
    withSandbox(async (box) => {
      await apply(box, [
        { name: 'p', type: 'file', content: 'p' },
        { name: 'q/', type: 'directory' },
        { name: 'q/child', type: 'file', content: 'c' },
        { name: 'r', type: 'symlink', linkname: 'p' },
        { name: 'm/', type: 'directory', mode: 0o755 },
        { name: 'm/lower', type: 'file', content: 'l' },
      ]);
      await apply(box, [
        { name: 'p/', type: 'directory' },
        { name: 'p/inside', type: 'file', content: 'i' },
        { name: 'q', type: 'file', content: 'now a file' },
        { name: 'r', type: 'file', content: 'now a file' },
        { name: 'm/', type: 'directory', mode: 0o700, uid: 1234 },
        { name: 'm/upper', type: 'file', content: 'u' },
        { name: 'dup', type: 'file', content: 'first' },
        { name: 'dup', type: 'file', content: 'second' },
      ]);
      assert.deepEqual(list(T('p', box)), ['inside']);
      assert.equal(readFileSync(T('q', box), 'utf8'), 'now a file');
      assert.ok(lstatSync(T('r', box)).isFile());
      assert.equal(readFileSync(T('p/inside', box), 'utf8'), 'i');
      assert.deepEqual(list(T('m', box)), ['lower', 'upper']);
      assert.equal(lstatSync(T('m', box)).mode & 0o777, 0o700);
      assert.equal(lstatSync(T('m', box)).uid, 1234);
      assert.equal(readFileSync(T('dup', box), 'utf8'), 'second');
    }));
});

describe('applyLayer: streams and digests', () => {
  it('returns the diffId and size of the uncompressed tar, trailing padding included', () =>
    withSandbox(async (box) => {
      const tar = Buffer.concat([
        await buildTar([{ name: 'f', type: 'file', content: 'data' }]),
        Buffer.alloc(10_240),
      ]);
      const result = await applyLayer(streamOf(tar), box.target);
      assert.equal(result.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
      assert.equal(result.size, tar.length);
    }));

  it('applies gzip layers through openLayerStream and digests the uncompressed bytes', () =>
    withSandbox(async (box) => {
      const tar = await buildTar([{ name: 'g/file', type: 'file', content: 'zipped' }]);
      const stream = await openLayerStream(streamOf(gzipSync(tar), 3));
      const result = await applyLayer(stream, box.target);
      assert.equal(readFileSync(T('g/file', box), 'utf8'), 'zipped');
      assert.equal(result.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    }));

  it('passes plain tars through openLayerStream and refuses zstd', async () => {
    const tar = await buildTar([{ name: 'f', type: 'file', content: 'plain' }]);
    const plain = await openLayerStream(streamOf(tar, 2));
    const chunks: Buffer[] = [];
    for await (const chunk of plain) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(tar));
    const empty = await openLayerStream(Readable.from([]));
    for await (const _ of empty) assert.fail('no data expected');
    await assert.rejects(openLayerStream(Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])])), (err: Error) => {
      assert.equal(errorKind(err), 'invalid-argument');
      assert.match(err.message, /zstd layers are not supported yet/);
      return true;
    });
  });

  it('accepts an empty layer and refuses truncated or corrupt ones', () =>
    withSandbox(async (box) => {
      const empty = await applyLayer(Readable.from([]), box.target);
      assert.equal(empty.size, 0);
      const tar = await buildTar([{ name: 'f', type: 'file', content: 'x'.repeat(2000) }]);
      for (const bad of [tar.subarray(0, 1200), Buffer.concat([Buffer.from('garbage'), tar])]) {
        await assert.rejects(applyLayer(streamOf(bad), box.target), (err: Error) => {
          assert.equal(errorKind(err), 'invalid-argument');
          return true;
        });
      }
    }));

  it('refuses a missing target as not-found', () =>
    withSandbox(async (box) => {
      await assert.rejects(applyLayer(Readable.from([]), join(box.dir, 'missing')), (err: Error) => {
        assert.equal(errorKind(err), 'not-found');
        return true;
      });
      writeFileSync(join(box.dir, 'file'), '');
      mkdirSync(join(box.dir, 'unused'));
      await assert.rejects(applyLayer(Readable.from([]), join(box.dir, 'file')), (err: Error) => {
        assert.equal(errorKind(err), 'invalid-argument');
        return true;
      });
    }));
});
