/*
 * Hostile layers: every test plants a sentinel tree beside the target and proves that the
 * layer neither created, changed nor removed anything outside the target, and that a
 * refused entry fails with an invalid-argument error naming it.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listAttributesSync } from 'fs-xattr';
import { errorKind } from '../lib/index.js';
import { applyLayer, type ApplyOptions } from './apply.js';
import { buildTar, makeSandbox, snapshotTree, streamOf, type FixtureEntry, type Sandbox } from './layer-fixtures.js';

interface Hostile {
  box: Sandbox;
  sentinel: string;
  apply(entries: FixtureEntry[]): Promise<void>;
  /** Applies and expects a refusal naming `entry`. */
  refuse(entries: FixtureEntry[], entry: string, reason?: RegExp): Promise<void>;
}

/** A name no test would create by accident, checked in the shared temp dir too. */
const stray = `berth-escape-${process.pid}`;

/**
 * With `whiteouts: 'overlay'` every apply goes into an emptied target, as that mode needs:
 * each layer is its own snapshot directory there.
 */
async function hostile(fn: (h: Hostile) => Promise<void>, options: ApplyOptions = {}): Promise<void> {
  const box = makeSandbox('hostile');
  const sentinel = join(box.dir, 'sentinel');
  mkdirSync(join(sentinel, 'sub'), { recursive: true });
  writeFileSync(join(sentinel, 'keep'), 'precious');
  writeFileSync(join(sentinel, 'sub', 'deep'), 'precious too');
  const outside = (): string[] => [
    ...snapshotTree(box.dir, (path) => path === box.target),
    `tmp has stray: ${existsSync(join(tmpdir(), stray))}`,
    `root has stray: ${existsSync(join('/', stray))}`,
    // An opaque mark or any attribute set on the way out.
    ...[box.dir, sentinel, join(sentinel, 'sub'), join(sentinel, 'keep')].map(
      (path) => `${path} xattrs: ${listAttributesSync(path).sort().join(',')}`,
    ),
  ];
  const before = outside();
  const apply = async (entries: FixtureEntry[]): Promise<void> => {
    if (options.whiteouts === 'overlay') {
      // Emptied, not recreated: that would change the temp dir's mtime.
      for (const name of readdirSync(box.target)) rmSync(join(box.target, name), { recursive: true, force: true });
    }
    await applyLayer(streamOf(await buildTar(entries)), box.target, options);
  };
  const refuse = async (entries: FixtureEntry[], entry: string, reason?: RegExp): Promise<void> => {
    await assert.rejects(apply(entries), (err: Error) => {
      assert.equal(errorKind(err), 'invalid-argument', err.stack);
      assert.ok(err.message.includes(JSON.stringify(entry)), `message should name ${entry}: ${err.message}`);
      if (reason) assert.match(err.message, reason);
      return true;
    });
  };
  try {
    await fn({ box, sentinel, apply, refuse });
    assert.deepEqual(outside(), before, 'something outside the target changed');
  } finally {
    box.cleanup();
  }
}

const file = (name: string, content = 'pwned'): FixtureEntry => ({ name, type: 'file', content, mode: 0o777 });
const symlink = (name: string, linkname: string): FixtureEntry => ({ name, type: 'symlink', linkname });

describe('hostile layers: names', () => {
  for (const name of ['../sentinel/keep', `../${stray}`, `a/../../${stray}`, `./../../../../${stray}`, `a/b/../../../x`]) {
    it(`refuses ${name}`, () => hostile((h) => h.refuse([file(name)], name, /climbs above the layer root/)));
  }

  it('refuses absolute names, and absolute hardlink targets', () =>
    hostile(async (h) => {
      await h.refuse([file('/abs/path')], '/abs/path', /absolute/);
      await h.refuse([file(`/${stray}`)], `/${stray}`, /absolute/);
      await h.refuse([file('f'), { name: 'h', type: 'link', linkname: '/f' }], 'h', /absolute/);
    }));

  it('refuses a long PAX name that climbs out', () =>
    hostile(async (h) => {
      const name = `../${'x'.repeat(120)}/${stray}`;
      await h.refuse([file(name)], name);
    }));

  it('refuses directories, devices and links whose names climb out', () =>
    hostile(async (h) => {
      await h.refuse([{ name: `../${stray}/`, type: 'directory' }], `../${stray}/`);
      await h.refuse([{ name: `../${stray}`, type: 'fifo' }], `../${stray}`);
      await h.refuse([{ name: `../${stray}`, type: 'character-device', devmajor: 1, devminor: 3 }], `../${stray}`);
      await h.refuse([symlink(`../${stray}`, '/')], `../${stray}`);
    }));
});

describe('hostile layers: writing through symlinks', () => {
  for (const link of ['../../..', '..', '../sentinel', '/../sentinel', 'a/../../sentinel']) {
    it(`refuses writing through link -> ${link} in the same layer`, () =>
      hostile(async (h) => {
        await h.refuse([symlink('link', link), file('link/keep')], 'link/keep', /leaves the layer root/);
        // The link itself is ordinary content and was created.
        assert.equal(readlinkSync(join(h.box.target, 'link')), link);
      }));

    it(`refuses writing through link -> ${link} planted by an earlier layer`, () =>
      hostile(async (h) => {
        await h.apply([symlink('link', link)]);
        await h.refuse([file('link/keep')], 'link/keep');
        await h.refuse([file(`link/sentinel/${stray}`)], `link/sentinel/${stray}`);
        await h.refuse([{ name: 'link/newdir/', type: 'directory', mode: 0o777 }], 'link/newdir/');
      }));
  }

  it('re-roots absolute links: link -> / then link/escape lands inside the target', () =>
    hostile(async (h) => {
      await h.apply([symlink('link', '/'), file('link/escape', 'inside'), symlink('up', '/../..')]);
      assert.equal(readFileSync(join(h.box.target, 'escape'), 'utf8'), 'inside');
      await h.refuse([file('up/x')], 'up/x', /leaves the layer root/);
    }));

  it('refuses chains of links that end outside, and link loops', () =>
    hostile(async (h) => {
      await h.refuse([symlink('a', 'b'), symlink('b', 'c/d'), symlink('c', '.'), symlink('d', '../..'), file('a/x')], 'a/x');
      await h.refuse([symlink('l1', 'l2'), symlink('l2', 'l1'), file('l1/x')], 'l1/x', /too many levels/);
    }));

  it('refuses a symlink that replaces a directory and is then written through', () =>
    hostile(async (h) => {
      await h.apply([{ name: 'd/', type: 'directory' }, file('d/f', 'lower')]);
      await h.refuse([symlink('d', '../sentinel'), file('d/keep')], 'd/keep');
      // Same layer: directory, then link over it, then an entry below.
      await h.refuse([{ name: 'e/', type: 'directory' }, symlink('e', '../../sentinel'), file('e/sub/deep')], 'e/sub/deep');
    }));

  it('refuses devices and fifos through an escaping link', () =>
    hostile(async (h) => {
      await h.apply([symlink('out', '../sentinel')]);
      await h.refuse([{ name: 'out/fifo', type: 'fifo' }], 'out/fifo');
      await h.refuse([{ name: 'out/null', type: 'character-device', devmajor: 1, devminor: 3 }], 'out/null');
      await h.refuse([{ name: 'out/sda', type: 'block-device', devmajor: 8, devminor: 0 }], 'out/sda');
      await h.refuse([symlink('out/ln', '/etc/passwd')], 'out/ln');
    }));
});

describe('hostile layers: the last component is never followed', () => {
  it('replaces a link to an outside file by the file entry instead of writing through it', () =>
    hostile(async (h) => {
      await h.apply([symlink('f', '../sentinel/keep'), symlink('g', '../sentinel/keep')]);
      await h.apply([file('f', 'mine'), { name: 'g', type: 'file', content: '', mode: 0o4777, uid: 1234 }]);
      assert.equal(readFileSync(join(h.box.target, 'f'), 'utf8'), 'mine');
      assert.ok(lstatSync(join(h.box.target, 'g')).isFile());
    }));

  it('replaces a link to an outside directory by the directory entry, metadata included', () =>
    hostile(async (h) => {
      await h.apply([symlink('d', '../sentinel')]);
      await h.apply([{ name: 'd/', type: 'directory', mode: 0o777, uid: 1234, mtime: new Date(0) }]);
      assert.ok(lstatSync(join(h.box.target, 'd')).isDirectory());
    }));

  it('sets owner and times of symlink entries on the link itself', () =>
    hostile(async (h) => {
      await h.apply([
        { name: 's', type: 'symlink', linkname: '../sentinel/keep', uid: 1234, gid: 1234, mode: 0o777, mtime: new Date(0) },
        { name: 't', type: 'symlink', linkname: '../sentinel', pax: { 'SCHILY.xattr.user.evil': 'x' } },
      ]);
      assert.equal(lstatSync(join(h.box.target, 's')).uid, 1234);
    }));

  it('replaces links by hardlinks, fifos and devices without following them', () =>
    hostile(async (h) => {
      await h.apply([file('real', 'r'), symlink('a', '../sentinel/keep'), symlink('b', '../sentinel/keep'), symlink('c', '../sentinel/sub')]);
      await h.apply([
        { name: 'a', type: 'link', linkname: 'real' },
        { name: 'b', type: 'fifo' },
        { name: 'c', type: 'character-device', devmajor: 1, devminor: 3 },
      ]);
      assert.equal(lstatSync(join(h.box.target, 'a')).ino, lstatSync(join(h.box.target, 'real')).ino);
      assert.ok(lstatSync(join(h.box.target, 'b')).isFIFO());
    }));

  it('never sets directory times through a link that later replaced a parent', () =>
    hostile(async (h) => {
      // x/sentinel/ gets its time at the end; by then x is a link to the temp dir, so
      // a naive utimes(target/x/sentinel) would touch the real sentinel.
      await h.apply([
        { name: 'x/', type: 'directory' },
        { name: 'x/sentinel/', type: 'directory', mtime: new Date(0) },
        { name: 'x/sentinel/sub/', type: 'directory', mtime: new Date(0) },
        symlink('x', '..'),
      ]);
      assert.equal(readlinkSync(join(h.box.target, 'x')), '..');
    }));
});

describe('hostile layers: hardlinks', () => {
  it('refuses hardlinks to files outside the root', () =>
    hostile(async (h) => {
      await h.refuse([{ name: 'h', type: 'link', linkname: '../sentinel/keep' }], 'h', /hardlink target/);
      await h.refuse([{ name: 'h', type: 'link', linkname: 'a/../../sentinel/keep' }], 'h');
    }));

  it('refuses hardlinks through a symlinked directory pointing out', () =>
    hostile(async (h) => {
      await h.apply([symlink('out', '../sentinel'), symlink('up', '../../..')]);
      await h.refuse([{ name: 'h', type: 'link', linkname: 'out/keep' }], 'h', /leaves the layer root/);
      await h.refuse([{ name: 'h', type: 'link', linkname: `up/${h.box.dir.slice(1)}/sentinel/keep` }], 'h');
    }));

  it('resolves hardlinks through re-rooted absolute links inside the root only', () =>
    hostile(async (h) => {
      await h.apply([file('etc/passwd', 'layer'), symlink('abs', '/etc')]);
      await h.apply([{ name: 'h', type: 'link', linkname: 'abs/passwd' }]);
      assert.equal(lstatSync(join(h.box.target, 'h')).ino, lstatSync(join(h.box.target, 'etc/passwd')).ino);
      await h.refuse([{ name: 'h2', type: 'link', linkname: 'abs/shadow' }], 'h2', /does not exist/);
    }));
});

describe('hostile layers: whiteouts', () => {
  for (const name of ['.wh..', '.wh...', 'sub/.wh..', 'sub/.wh...', '.wh.']) {
    it(`refuses ${name}`, () =>
      hostile(async (h) => {
        await h.apply([file('sub/f', 'lower')]);
        await h.refuse([{ name, type: 'file' }], name, /whiteout/);
        assert.equal(readFileSync(join(h.box.target, 'sub/f'), 'utf8'), 'lower');
      }));
  }

  for (const name of ['../.wh.sentinel', 'a/../../.wh.sentinel', '../sentinel/.wh.keep', '../sentinel/.wh..wh..opq', '/.wh.etc']) {
    it(`refuses ${name}`, () => hostile((h) => h.refuse([{ name, type: 'file' }], name)));
  }

  it('refuses whiteouts and opaque markers through an escaping link', () =>
    hostile(async (h) => {
      await h.apply([symlink('out', '../sentinel'), symlink('root', '../..')]);
      await h.refuse([{ name: 'out/.wh.keep', type: 'file' }], 'out/.wh.keep', /leaves the layer root/);
      await h.refuse([{ name: 'out/.wh.sub', type: 'file' }], 'out/.wh.sub');
      await h.refuse([{ name: 'out/.wh..wh..opq', type: 'file' }], 'out/.wh..wh..opq');
      await h.refuse([{ name: 'root/.wh.sentinel', type: 'file' }], 'root/.wh.sentinel');
    }));

  it('removes a whited-out link without following it', () =>
    hostile(async (h) => {
      await h.apply([symlink('out', '../sentinel'), symlink('outfile', '../sentinel/keep')]);
      await h.apply([{ name: '.wh.out', type: 'file' }, { name: '.wh.outfile', type: 'file' }]);
      assert.ok(!existsSync(join(h.box.target, 'out')));
      assert.ok(!existsSync(join(h.box.target, 'outfile')));
    }));

  it('opaque markers at the root and in link-replaced directories stay inside', () =>
    hostile(async (h) => {
      await h.apply([symlink('d', '../sentinel'), file('lower')]);
      await h.apply([{ name: 'd/', type: 'directory' }, { name: 'd/.wh..wh..opq', type: 'file' }, { name: '.wh..wh..opq', type: 'file' }, file('new')]);
      assert.ok(!existsSync(join(h.box.target, 'lower')));
      assert.ok(existsSync(join(h.box.target, 'new')));
    }));
});

describe('hostile layers: overlay whiteouts', () => {
  const overlay = { whiteouts: 'overlay' } as const;
  const isDevice = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false })?.isCharacterDevice() === true;

  for (const name of ['.wh..', '.wh...', 'sub/.wh..', 'sub/.wh...', '.wh.']) {
    it(`refuses ${name}`, () => hostile((h) => h.refuse([file('sub/f'), { name, type: 'file' }], name, /whiteout/), overlay));
  }

  for (const name of ['../.wh.sentinel', 'a/../../.wh.sentinel', '../sentinel/.wh.keep', '../sentinel/.wh..wh..opq', '/.wh.etc', `../${stray}/.wh..wh..opq`]) {
    it(`refuses ${name}`, () => hostile((h) => h.refuse([{ name, type: 'file' }], name), overlay));
  }

  it('refuses whiteouts and opaque markers through an escaping link of the same layer', () =>
    hostile(async (h) => {
      const links = [symlink('out', '../sentinel'), symlink('root', '../..'), symlink('abs', '/../sentinel')];
      await h.refuse([...links, { name: 'out/.wh.keep', type: 'file' }], 'out/.wh.keep', /leaves the layer root/);
      await h.refuse([...links, { name: 'out/.wh.sub', type: 'file' }], 'out/.wh.sub');
      await h.refuse([...links, { name: 'out/.wh..wh..opq', type: 'file' }], 'out/.wh..wh..opq');
      await h.refuse([...links, { name: 'out/sub/.wh..wh..opq', type: 'file' }], 'out/sub/.wh..wh..opq');
      await h.refuse([...links, { name: 'root/.wh.sentinel', type: 'file' }], 'root/.wh.sentinel');
      await h.refuse([...links, { name: 'abs/.wh..wh..opq', type: 'file' }], 'abs/.wh..wh..opq');
    }, overlay));

  it('never makes a whiteout or opaque mark through a directory later replaced by an escaping link', () =>
    hostile(async (h) => {
      // Whiteouts are made at the end: by then d and e lead out of the root.
      await h.apply([
        { name: 'd/', type: 'directory' },
        { name: 'd/.wh.keep', type: 'file' },
        { name: 'd/.wh.new', type: 'file' },
        { name: 'd/sub/.wh..wh..opq', type: 'file' },
        { name: 'd/.wh..wh..opq', type: 'file' },
        symlink('d', '../sentinel'),
        { name: 'e/.wh.sentinel', type: 'file' },
        { name: 'e/.wh..wh..opq', type: 'file' },
        symlink('e', '..'),
      ]);
      assert.equal(readlinkSync(join(h.box.target, 'd')), '../sentinel');
      assert.equal(readFileSync(join(h.sentinel, 'keep'), 'utf8'), 'precious');
      assert.ok(!existsSync(join(h.sentinel, 'new')));
    }, overlay));

  it('replaces a link by the directory entry before marking it opaque, and whites out a link itself', () =>
    hostile(async (h) => {
      await h.apply([
        symlink('d', '../sentinel'),
        { name: 'd/', type: 'directory' },
        { name: 'd/.wh..wh..opq', type: 'file' },
        { name: 'd/.wh.keep', type: 'file' },
        symlink('l', '../sentinel/keep'),
        { name: '.wh.l', type: 'file' },
      ]);
      assert.ok(lstatSync(join(h.box.target, 'd')).isDirectory());
      assert.ok(isDevice(join(h.box.target, 'd/keep')));
      // The layer's own link wins over its whiteout, and is not followed.
      assert.equal(readlinkSync(join(h.box.target, 'l')), '../sentinel/keep');
    }, overlay));
});
