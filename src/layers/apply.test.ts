import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { getAttributeSync, listAttributesSync } from 'fs-xattr';
import { compress } from 'zstd-napi';
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

  it('passes plain tars through openLayerStream', async () => {
    const tar = await buildTar([{ name: 'f', type: 'file', content: 'plain' }]);
    const plain = await openLayerStream(streamOf(tar, 2));
    const chunks: Buffer[] = [];
    for await (const chunk of plain) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(tar));
    const empty = await openLayerStream(Readable.from([]));
    for await (const _ of empty) assert.fail('no data expected');
  });

  it('applies zstd layers and refuses corrupt zstd', () =>
    withSandbox(async (box) => {
      const tar = await buildTar([{ name: 'z/file', type: 'file', content: 'squeezed' }]);
      const result = await applyLayer(await openLayerStream(streamOf(compress(tar), 5)), box.target);
      assert.equal(readFileSync(T('z/file', box), 'utf8'), 'squeezed');
      assert.equal(result.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
      const corrupt = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 0xff)]);
      await assert.rejects(async () => applyLayer(await openLayerStream(streamOf(corrupt)), box.target));
    }));

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

describe('applyLayer: overlay whiteouts', () => {
  const overlay = { whiteouts: 'overlay' } as const;
  const opaqueOf = (path: string): string | undefined =>
    listAttributesSync(path).includes('trusted.overlay.opaque') ? getAttributeSync(path, 'trusted.overlay.opaque').toString() : undefined;
  const isWhiteout = (path: string): boolean => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st !== undefined && st.isCharacterDevice() && st.rdev === 0;
  };

  it('turns .wh.NAME into a root-owned mode 0 character device 0/0, parents created', () =>
    withSandbox(async (box) => {
      const result = await apply(
        box,
        [
          { name: 'etc/', type: 'directory', mode: 0o750, uid: 1234, mtime: new Date(1_500_000_000_000) },
          { name: 'etc/.wh.passwd', type: 'file', uid: 1234, gid: 1234, mode: 0o644 },
          { name: 'var/lib/.wh.cache', type: 'file' },
          { name: '.wh.bin', type: 'file' },
          { name: 'a/.wh..wh.plnk', type: 'directory' },
        ],
        overlay,
      );
      assert.match(result.diffId, /^sha256:[0-9a-f]{64}$/);
      // AUFS metadata is ignored outright: not even its directory is made.
      assert.deepEqual(list(box.target), ['bin', 'etc', 'var']);
      for (const rel of ['etc/passwd', 'var/lib/cache', 'bin']) {
        const st = lstatSync(T(rel, box));
        assert.ok(isWhiteout(T(rel, box)), rel);
        assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 0, 0], rel);
      }
      // The entries themselves are never written.
      assert.ok(!existsSync(T('etc/.wh.passwd', box)));
      // Made at the end, the whiteout did not disturb its directory's metadata.
      assert.equal(mtimeOf(T('etc', box)), 1_500_000_000_000);
      assert.equal(lstatSync(T('etc', box)).mode & 0o7777, 0o750);
      assert.equal(lstatSync(T('var/lib', box)).mode & 0o7777, 0o755);
    }));

  it('makes many whiteouts as hardlinks of one device node', () =>
    withSandbox(async (box) => {
      const entries: FixtureEntry[] = [];
      for (let i = 0; i < 300; i++) entries.push({ name: `d${i % 3}/.wh.f${i}`, type: 'file' });
      const started = Date.now();
      await apply(box, entries, overlay);
      const elapsed = Date.now() - started;
      const first = lstatSync(T('d0/f0', box));
      assert.equal(first.nlink, 300);
      for (let i = 0; i < 300; i++) assert.equal(lstatSync(T(`d${i % 3}/f${i}`, box)).ino, first.ino);
      // A process per whiteout would take over a second here.
      assert.ok(elapsed < 1000, `${elapsed} ms`);
    }));

  it('marks opaque directories with trusted.overlay.opaque=y and keeps their entries of this layer', () =>
    withSandbox(async (box) => {
      await apply(
        box,
        [
          { name: 'd/', type: 'directory' },
          { name: 'd/.wh..wh..opq', type: 'file' },
          { name: 'd/new', type: 'file', content: 'new' },
          { name: 'e/new', type: 'file', content: 'new' },
          { name: 'e/sub/new2', type: 'file', content: 'new' },
          { name: 'e/.wh..wh..opq', type: 'file' },
          { name: 'created/by/marker/.wh..wh..opq', type: 'file' },
          { name: 'plain/', type: 'directory' },
        ],
        overlay,
      );
      assert.deepEqual(list(T('d', box)), ['new']);
      assert.deepEqual(list(T('e', box)), ['new', 'sub']);
      assert.equal(opaqueOf(T('d', box)), 'y');
      assert.equal(opaqueOf(T('e', box)), 'y');
      assert.equal(opaqueOf(T('e/sub', box)), undefined);
      assert.equal(opaqueOf(T('created/by/marker', box)), 'y');
      assert.equal(opaqueOf(T('created/by', box)), undefined);
      assert.equal(opaqueOf(T('plain', box)), undefined);
    }));

  it("lets this layer's own entries win over its whiteouts, in either order", () =>
    withSandbox(async (box) => {
      await apply(
        box,
        [
          { name: 'f', type: 'file', content: 'added first' },
          { name: '.wh.f', type: 'file' },
          { name: '.wh.g', type: 'file' },
          { name: 'g', type: 'symlink', linkname: 'added/after' },
          { name: 'dir/', type: 'directory' },
          { name: 'dir/mine', type: 'file', content: 'mine' },
          { name: '.wh.dir', type: 'file' },
          { name: '.wh.later', type: 'file' },
          { name: 'later/mine', type: 'file', content: 'mine' },
          { name: '.wh.twice', type: 'file' },
          { name: '.wh.twice', type: 'file' },
        ],
        overlay,
      );
      assert.equal(readFileSync(T('f', box), 'utf8'), 'added first');
      assert.equal(readlinkSync(T('g', box)), 'added/after');
      // A directory of this layer at a whited-out path hides the lower one's content.
      assert.deepEqual(list(T('dir', box)), ['mine']);
      assert.equal(opaqueOf(T('dir', box)), 'y');
      assert.deepEqual(list(T('later', box)), ['mine']);
      assert.equal(opaqueOf(T('later', box)), 'y');
      assert.ok(isWhiteout(T('twice', box)));
    }));

  it('makes a directory opaque when it replaces a non-directory of the same layer', () =>
    withSandbox(async (box) => {
      await apply(
        box,
        [
          { name: 'p', type: 'file', content: 'p' },
          { name: 'p/', type: 'directory' },
          { name: 'p/inside', type: 'file', content: 'i' },
          { name: 'q/', type: 'directory' },
          { name: 'q/', type: 'directory', mode: 0o700 },
        ],
        overlay,
      );
      assert.equal(opaqueOf(T('p', box)), 'y');
      assert.deepEqual(list(T('p', box)), ['inside']);
      assert.equal(opaqueOf(T('q', box)), undefined);
    }));

  it('skips whiteouts and opaque marks whose directory this layer replaced later, and never marks links', () =>
    withSandbox(async (box) => {
      await apply(
        box,
        [
          { name: 'real/', type: 'directory' },
          { name: 'd/', type: 'directory' },
          { name: 'd/.wh..wh..opq', type: 'file' },
          { name: 'd/.wh.x', type: 'file' },
          { name: 'd', type: 'symlink', linkname: 'real' },
          { name: 'e/', type: 'directory' },
          { name: 'e/.wh.y', type: 'file' },
          { name: 'e', type: 'file', content: 'now a file' },
        ],
        overlay,
      );
      assert.equal(readlinkSync(T('d', box)), 'real');
      assert.deepEqual(list(T('real', box)), []);
      assert.equal(opaqueOf(T('real', box)), undefined);
      assert.equal(readFileSync(T('e', box), 'utf8'), 'now a file');
    }));

  it('turns a root opaque marker into whiteouts of the parent layers\' names, and needs those layers', () =>
    withSandbox(async (box) => {
      const lower1 = join(box.dir, 'lower1');
      const lower2 = join(box.dir, 'lower2');
      await applyLayer(
        streamOf(await buildTar([{ name: 'a', type: 'file' }, { name: 'b/x', type: 'file' }, { name: 'c', type: 'file' }])),
        (mkdirSync(lower1), lower1),
      );
      await applyLayer(
        streamOf(await buildTar([{ name: '.wh.c', type: 'file' }, { name: 'd', type: 'file' }])),
        (mkdirSync(lower2), lower2),
        overlay,
      );
      const layer = [
        { name: '.wh..wh..opq', type: 'file' },
        { name: 'b/', type: 'directory' },
        { name: 'b/mine', type: 'file' },
        { name: 'e', type: 'file' },
      ] satisfies FixtureEntry[];
      await assert.rejects(apply(box, layer, overlay), (err: Error) => {
        assert.equal(errorKind(err), 'invalid-argument');
        assert.match(err.message, /"\.wh\.\.wh\.\.opq".*parent layers/);
        return true;
      });
      const fresh = makeSandbox('apply-root-opq');
      try {
        await applyLayer(streamOf(await buildTar(layer)), fresh.target, { ...overlay, parentLayers: [lower2, lower1] });
        // c is already hidden by lower2; b is this layer's, made opaque.
        assert.deepEqual(readdirSync(fresh.target).sort(), ['a', 'b', 'd', 'e']);
        for (const rel of ['a', 'd']) assert.ok(isWhiteout(join(fresh.target, rel)), rel);
        assert.equal(opaqueOf(join(fresh.target, 'b')), 'y');
        assert.equal(opaqueOf(fresh.target), undefined);
      } finally {
        fresh.cleanup();
      }
    }));

  it('with the parent layers, makes only whiteouts that hide something, in directories like the lower ones', () =>
    withSandbox(async (box) => {
      const lower = join(box.dir, 'lower');
      mkdirSync(lower);
      await applyLayer(
        streamOf(
          await buildTar([
            { name: 'etc/', type: 'directory', mode: 0o2750, uid: 1234, gid: 99, pax: { 'SCHILY.xattr.user.dir': 'lower' } },
            { name: 'etc/conf/', type: 'directory', mode: 0o700 },
            { name: 'etc/conf/a', type: 'file' },
            { name: 'etc/passwd', type: 'file' },
            { name: 'hidden/', type: 'directory' },
            { name: 'hidden/x', type: 'file' },
            { name: 'opq/', type: 'directory' },
            { name: 'opq/.wh..wh..opq', type: 'file' },
            { name: 'file', type: 'file' },
          ]),
        ),
        lower,
        overlay,
      );
      await applyLayer(
        streamOf(
          await buildTar([
            { name: 'etc/.wh.passwd', type: 'file' },
            { name: 'etc/.wh.missing', type: 'file' },
            { name: 'etc/conf/.wh..wh..opq', type: 'file' },
            { name: 'etc/new/.wh..wh..opq', type: 'file' },
            { name: 'nowhere/.wh.x', type: 'file' },
            { name: 'brandnew/', type: 'directory' },
            { name: 'brandnew/.wh.x', type: 'file' },
            { name: 'file/.wh.x', type: 'file' },
            { name: 'opq/.wh.x', type: 'file' },
            { name: 'hidden/.wh.x', type: 'file' },
            { name: '.wh.hidden', type: 'file' },
          ]),
        ),
        box.target,
        { ...overlay, parentLayers: [lower] },
      );
      assert.deepEqual(list(box.target), ['brandnew', 'etc', 'hidden']);
      assert.deepEqual(list(T('brandnew', box)), []);
      assert.deepEqual(list(T('etc', box)), ['conf', 'passwd']);
      assert.ok(isWhiteout(T('etc/passwd', box)));
      assert.ok(isWhiteout(T('hidden', box)));
      assert.equal(opaqueOf(T('etc/conf', box)), 'y');
      // Made for the whiteout, etc and etc/conf look as they do below.
      const etc = lstatSync(T('etc', box));
      assert.deepEqual([etc.mode & 0o7777, etc.uid, etc.gid], [0o2750, 1234, 99]);
      assert.equal(getAttributeSync(T('etc', box), 'user.dir').toString(), 'lower');
      assert.equal(opaqueOf(T('etc', box)), undefined);
      assert.equal(lstatSync(T('etc/conf', box)).mode & 0o7777, 0o700);
    }));

  it('needs an empty target and a known mode', () =>
    withSandbox(async (box) => {
      writeFileSync(T('existing', box), '');
      await assert.rejects(apply(box, [], overlay), (err: Error) => errorKind(err) === 'failed-precondition');
      await assert.rejects(apply(box, [], { whiteouts: 'aufs' }), (err: Error) => errorKind(err) === 'invalid-argument');
    }));
});
