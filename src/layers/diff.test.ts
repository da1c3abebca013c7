import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { setAttribute } from 'fs-xattr';
import { extract } from 'tar-stream';
import { errorKind } from '../lib/index.js';
import { Digester } from '../oci/index.js';
import { diffUpperDir, tarDirectory } from './diff.js';
import { mountOverlay, unmount, unmountAllUnder } from './overlay-mount.js';

const run = promisify(execFile);

interface Entry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  pax: Record<string, string>;
  content: string;
}

async function readEntries(tar: Readable): Promise<Entry[]> {
  const entries: Entry[] = [];
  const parser = extract();
  tar.pipe(parser);
  for await (const source of parser) {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk as Buffer);
    const h = source.header;
    entries.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      size: h.size,
      linkname: h.linkname ?? '',
      devmajor: h.devmajor,
      devminor: h.devminor,
      pax: (h.pax ?? {}) as Record<string, string>,
      content: Buffer.concat(chunks).toString(),
    });
  }
  return entries;
}

async function collect(tar: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'berth-diff-')));
  try {
    await fn(dir);
  } finally {
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

function byName(entries: Entry[], name: string): Entry {
  const entry = entries.find((e) => e.name === name);
  assert.ok(entry, `no entry ${name} in ${entries.map((e) => e.name).join(' ')}`);
  return entry;
}

test('diffUpperDir turns a real overlay upper dir into a layer', async () => {
  await withTempDir(async (dir) => {
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((n) => join(dir, n)) as [
      string,
      string,
      string,
      string,
    ];
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    await writeFile(join(lower, 'keep.txt'), 'keep');
    await writeFile(join(lower, 'modify.txt'), 'old');
    await writeFile(join(lower, 'delete.txt'), 'bye');
    await writeFile(join(lower, 'gone.txt'), 'bye');
    await writeFile(join(lower, 'own.txt'), 'own');
    await writeFile(join(lower, 'perm.txt'), 'perm');
    await writeFile(join(lower, 'linksrc.txt'), 'linked from lower');
    await mkdir(join(lower, 'dir/sub'), { recursive: true });
    await writeFile(join(lower, 'dir/old1'), 'x');
    await writeFile(join(lower, 'dir/sub/old2'), 'y');

    await mountOverlay({ lower: [lower], upper, work, target: merged });
    try {
      const m = (p: string): string => join(merged, p);
      await writeFile(m('new.txt'), 'new');
      await writeFile(m('modify.txt'), 'new content');
      await rm(m('delete.txt'));
      await rm(m('gone.txt'));
      await rm(m('dir'), { recursive: true });
      await mkdir(m('dir'));
      await writeFile(m('dir/fresh'), 'fresh');
      await link(m('new.txt'), m('new-link.txt'));
      await link(m('linksrc.txt'), m('linksrc-link.txt'));
      await chown(m('own.txt'), 1234, 5678);
      await chmod(m('perm.txt'), 0o4750);
      await writeFile(m('attrs.txt'), 'attrs');
      await setAttribute(m('attrs.txt'), 'user.test', 'hello');
      await setAttribute(m('attrs.txt'), 'user.bin', Buffer.from([0, 1, 0xff, 0x80, 0x0a]));
      await symlink('new.txt', m('sym'));
      await run('mkfifo', [m('pipe')]);
      await run('mknod', [m('dev'), 'c', '1', '3']);
      await mkdir(m('a/b'), { recursive: true });
      await writeFile(m('a/b/c.txt'), 'deep');
    } finally {
      await unmount(merged);
    }

    const raw = await collect(diffUpperDir(upper));
    const entries = await readEntries(diffUpperDir(upper));
    assert.deepEqual(
      entries.map((e) => e.name),
      [
        'a/',
        'a/b/',
        'a/b/c.txt',
        'attrs.txt',
        '.wh.delete.txt',
        'dev',
        'dir/',
        'dir/.wh..wh..opq',
        'dir/fresh',
        '.wh.gone.txt',
        'linksrc-link.txt',
        'linksrc.txt',
        'modify.txt',
        'new-link.txt',
        'new.txt',
        'own.txt',
        'perm.txt',
        'pipe',
        'sym',
      ],
    );

    // Whiteouts: empty regular files with mode 0, never hardlinks (overlay shares one
    // inode between whiteouts).
    for (const name of ['.wh.delete.txt', '.wh.gone.txt', 'dir/.wh..wh..opq']) {
      const wh = byName(entries, name);
      assert.equal(wh.type, 'file', name);
      assert.equal(wh.mode, 0, name);
      assert.equal(wh.size, 0, name);
    }
    const dirEntry = byName(entries, 'dir/');
    assert.equal(dirEntry.type, 'directory');
    assert.deepEqual(Object.keys(dirEntry.pax), [], 'trusted.overlay.opaque is not written');
    assert.equal(raw.indexOf('trusted.overlay'), -1);

    assert.equal(byName(entries, 'modify.txt').content, 'new content');
    assert.equal(byName(entries, 'a/b/c.txt').content, 'deep');
    assert.equal(byName(entries, 'new-link.txt').type, 'file');
    assert.equal(byName(entries, 'new-link.txt').content, 'new');
    assert.deepEqual(
      { type: byName(entries, 'new.txt').type, linkname: byName(entries, 'new.txt').linkname },
      { type: 'link', linkname: 'new-link.txt' },
    );
    assert.equal(byName(entries, 'linksrc-link.txt').content, 'linked from lower');
    assert.equal(byName(entries, 'linksrc.txt').type, 'link');
    assert.equal(byName(entries, 'linksrc.txt').linkname, 'linksrc-link.txt');

    const own = byName(entries, 'own.txt');
    assert.deepEqual([own.uid, own.gid, own.content], [1234, 5678, 'own']);
    assert.equal(byName(entries, 'perm.txt').mode, 0o4750);
    assert.deepEqual(
      [byName(entries, 'sym').type, byName(entries, 'sym').linkname],
      ['symlink', 'new.txt'],
    );
    assert.equal(byName(entries, 'pipe').type, 'fifo');
    const dev = byName(entries, 'dev');
    assert.deepEqual([dev.type, dev.devmajor, dev.devminor], ['character-device', 1, 3]);

    const attrs = byName(entries, 'attrs.txt');
    assert.equal(attrs.pax['SCHILY.xattr.user.test'], 'hello');
    assert.ok('SCHILY.xattr.user.bin' in attrs.pax);
    // Binary values are stored byte for byte.
    const record = Buffer.concat([
      Buffer.from(' SCHILY.xattr.user.bin='),
      Buffer.from([0, 1, 0xff, 0x80, 0x0a]),
      Buffer.from('\n'),
    ]);
    assert.ok(raw.indexOf(record) > 0, 'binary xattr stored verbatim');
    // Nothing unchanged from the lower is in the diff.
    assert.equal(entries.find((e) => e.name === 'keep.txt'), undefined);
  });
});

test('tarDirectory is deterministic and readable by GNU tar', async () => {
  await withTempDir(async (dir) => {
    const tree = join(dir, 'tree');
    const deep = join(tree, 'd'.repeat(60), 'e'.repeat(60), 'f'.repeat(60), 'g'.repeat(60), 'h'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'long-file-name.txt'), 'deep');
    await writeFile(join(tree, 'héllo wörld'), 'unicode');
    await writeFile(join(tree, 'big-ids'), 'ids');
    await chown(join(tree, 'big-ids'), 3_000_000, 4_000_000);
    await symlink('x'.repeat(150), join(tree, 'long-link'));
    await writeFile(join(tree, 'b'), 'hard');
    await link(join(tree, 'b'), join(tree, 'a'));
    await writeFile(join(tree, 'empty'), '');
    await writeFile(join(tree, 'block'), Buffer.alloc(512 * 3 + 7, 1));
    await run('mknod', [join(tree, 'whiteout-like'), 'c', '0', '0']);
    await run('mkfifo', [join(tree, 'fifo')]);

    const digest = async (path: string): Promise<string> => {
      const digester = new Digester();
      for await (const chunk of tarDirectory(path)) digester.update(chunk as Buffer);
      return digester.digest();
    };
    const first = await digest(tree);
    assert.equal(await digest(tree), first);
    await run('cp', ['-a', tree, join(dir, 'copy')]);
    assert.equal(await digest(join(dir, 'copy')), first, 'a copy with the same metadata has the same digest');

    const file = join(dir, 'tree.tar');
    await writeFile(file, await collect(tarDirectory(tree)));
    const { stdout } = await run('tar', ['--numeric-owner', '-tvf', file]);
    const listing = stdout.trim().split('\n');
    const deepName = `${deep.slice(tree.length + 1)}/long-file-name.txt`;
    assert.ok(listing.some((line) => line.endsWith(deepName)), stdout);
    assert.ok(listing.some((line) => line.includes('3000000/4000000') && line.endsWith('big-ids')), stdout);
    assert.ok(listing.some((line) => line.endsWith(`long-link -> ${'x'.repeat(150)}`)), stdout);
    assert.ok(listing.some((line) => line.endsWith('b link to a')), stdout);
    assert.ok(listing.some((line) => line.startsWith('c') && line.endsWith('whiteout-like')), stdout);

    // GNU tar extracts the same tree back.
    const out = join(dir, 'out');
    await mkdir(out);
    await run('tar', ['--numeric-owner', '-xpf', file, '-C', out]);
    assert.equal(await readFile(join(out, deepName), 'utf8'), 'deep');
    assert.equal(await readFile(join(out, 'héllo wörld'), 'utf8'), 'unicode');
    assert.deepEqual(await readFile(join(out, 'block')), Buffer.alloc(512 * 3 + 7, 1));

    const entries = await readEntries(tarDirectory(tree));
    const unicode = byName(entries, 'héllo wörld');
    assert.equal(unicode.content, 'unicode');
    assert.equal(byName(entries, 'big-ids').pax.uid, '3000000');
    assert.equal(byName(entries, 'whiteout-like').type, 'character-device');
  });
});

test('diffUpperDir refuses upper dirs written with redirect_dir or metacopy', async () => {
  await withTempDir(async (dir) => {
    await mkdir(join(dir, 'renamed'));
    await setAttribute(join(dir, 'renamed'), 'trusted.overlay.redirect', '/old');
    await assert.rejects(collect(diffUpperDir(dir)), (err: unknown) => errorKind(err) === 'failed-precondition');
    // A plain tree keeps no trusted.overlay.* attribute either.
    const raw = await collect(tarDirectory(dir));
    assert.equal(raw.indexOf('trusted.overlay'), -1);
  });
});

test('tarDirectory rejects a missing directory', async () => {
  await assert.rejects(collect(tarDirectory('/nonexistent/berth-diff')), (err: unknown) => errorKind(err) === 'invalid-argument');
});

test('tarDirectory batches small files into large chunks and streams files larger than a chunk', async () => {
  await withTempDir(async (dir) => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'many'), { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 600; i++) files.set(`many/f${String(i).padStart(3, '0')}`, Buffer.alloc(1 + ((i * 7919) % 5000), i % 251));
    // Around and past the 1 MiB chunk: content crosses chunk boundaries mid-file.
    files.set('big-exact', Buffer.alloc(1 << 20, 7));
    files.set('big-odd', Buffer.alloc(3 * (1 << 20) + 13, 9));
    for (const [name, content] of files) await writeFile(join(tree, name), content);

    const chunks: Buffer[] = [];
    for await (const chunk of tarDirectory(tree)) chunks.push(chunk as Buffer);
    // ~7.5 MB of archive in 1 MiB chunks, not three chunks per file.
    assert.ok(chunks.length <= 10, `${chunks.length} chunks`);

    const file = join(dir, 'tree.tar');
    await writeFile(file, Buffer.concat(chunks));
    const out = join(dir, 'out');
    await mkdir(out);
    await run('tar', ['-xf', file, '-C', out]);
    for (const [name, content] of files) assert.deepEqual(await readFile(join(out, name)), content, name);
  });
});
