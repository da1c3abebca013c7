import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import tar from 'tar-stream';
import { getArchive, putArchive, statPath } from './archive.js';
import { GO_MODE_DIR, GO_MODE_SYMLINK, goFileMode } from './archive-mode.js';
import { parseContainerPath } from './archive-path.js';

let work = '';
let rootfs = '';
let outside = '';

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'berth-archive-'));
  rootfs = path.join(work, 'rootfs');
  outside = path.join(work, 'outside');
  for (const d of ['etc', 'data/sub', 'tmp', 'dest']) mkdirSync(path.join(rootfs, d), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret'), 'host secret\n');
  writeFileSync(path.join(rootfs, 'etc/secret'), 'container secret\n');
  writeFileSync(path.join(rootfs, 'data/a.txt'), 'aaa\n');
  writeFileSync(path.join(rootfs, 'data/sub/b.txt'), 'bbb\n');
  linkSync(path.join(rootfs, 'data/a.txt'), path.join(rootfs, 'data/a-link.txt'));
  symlinkSync('a.txt', path.join(rootfs, 'data/soft'));
  symlinkSync('/../../etc', path.join(rootfs, 'escape'));
  symlinkSync('/dest', path.join(rootfs, 'dest-link'));
  // A relative link that climbs far above the root: still only the rootfs.
  symlinkSync('../../../../../../outside', path.join(rootfs, 'climb'));
  writeFileSync(path.join(rootfs, 'file'), 'x');
});

after(() => rmSync(work, { recursive: true, force: true }));

async function entries(stream: Readable): Promise<Array<{ name: string; type: string; linkname: string; body: string }>> {
  const out: Array<{ name: string; type: string; linkname: string; body: string }> = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ name: entry.header.name, type: entry.header.type, linkname: entry.header.linkname ?? '', body: Buffer.concat(chunks).toString() });
    }
  })();
  for await (const chunk of stream) extract.write(chunk as Buffer);
  extract.end(null);
  await done;
  return out;
}

function tarOf(items: Array<{ name: string; type?: 'file' | 'directory' | 'symlink'; body?: string; linkname?: string }>): Readable {
  const pack = tar.pack();
  for (const item of items) {
    const header = { name: item.name, type: item.type ?? 'file', mode: item.type === 'directory' ? 0o755 : 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, linkname: item.linkname };
    if (header.type === 'file') pack.entry(header, item.body ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  return Readable.from(pack, { objectMode: false });
}

test('container paths: clean, clamped at the root, trailing / and /. kept as flags', () => {
  assert.deepEqual(parseContainerPath('/data/'), { abs: '/data', trailing: true, contentsOnly: false });
  assert.deepEqual(parseContainerPath('data/.'), { abs: '/data', trailing: true, contentsOnly: true });
  assert.deepEqual(parseContainerPath('/../../etc//passwd'), { abs: '/etc/passwd', trailing: false, contentsOnly: false });
  assert.deepEqual(parseContainerPath('/'), { abs: '/', trailing: true, contentsOnly: false });
});

test('goFileMode: Go os.FileMode bits', () => {
  const dir = lstatSync(path.join(rootfs, 'tmp'));
  assert.equal(goFileMode(dir), GO_MODE_DIR + (dir.mode & 0o777));
  assert.equal(goFileMode(lstatSync(path.join(rootfs, 'data/soft'))), GO_MODE_SYMLINK + 0o777);
  assert.equal(goFileMode({ ...fakeStats(0o104755, 'file') }), 0o755 + 2 ** 23, 'setuid');
  assert.equal(goFileMode({ ...fakeStats(0o41777, 'dir') }), GO_MODE_DIR + 0o777 + 2 ** 20, 'sticky directory');
  assert.equal(goFileMode({ ...fakeStats(0o20666, 'char') }), 0o666 + 2 ** 26 + 2 ** 21, 'character device');
});

function fakeStats(mode: number, kind: 'file' | 'dir' | 'char'): Parameters<typeof goFileMode>[0] {
  return {
    mode,
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => false,
    isBlockDevice: () => false,
    isCharacterDevice: () => kind === 'char',
    isFIFO: () => false,
    isSocket: () => false,
  };
}

test('statPath: a file, a link (not followed) with its target, a trailing slash follows', async () => {
  const file = await statPath(rootfs, '/data/a.txt');
  assert.deepEqual([file.name, file.size, file.linkTarget], ['a.txt', 4, '']);
  const link = await statPath(rootfs, '/escape');
  assert.equal(link.name, 'escape');
  assert.ok(link.mode & GO_MODE_SYMLINK);
  assert.equal(link.linkTarget, '/etc', 'resolved inside the rootfs');
  const followed = await statPath(rootfs, '/escape/');
  assert.ok(followed.mode >= GO_MODE_DIR);
  assert.equal((await statPath(rootfs, '/')).name, '/');
  await assert.rejects(statPath(rootfs, '/nope'), /Could not find the file \/nope/);
  await assert.rejects(statPath(rootfs, '/file/below'), (err: Error & { kind?: string }) => err.kind === 'not-found');
});

test('getArchive: a directory with its hard and soft links, its contents with /., one file', async () => {
  const dir = await getArchive(rootfs, '/data');
  assert.equal(dir.stat.name, 'data');
  const list = await entries(dir.tar);
  assert.deepEqual(
    list.map((e) => [e.name, e.type]),
    [
      ['data/', 'directory'],
      ['data/a-link.txt', 'file'],
      ['data/a.txt', 'link'],
      ['data/soft', 'symlink'],
      ['data/sub/', 'directory'],
      ['data/sub/b.txt', 'file'],
    ],
  );
  assert.equal(list.find((e) => e.name === 'data/a.txt')?.linkname, 'data/a-link.txt');
  assert.equal(list.find((e) => e.name === 'data/soft')?.linkname, 'a.txt');
  const contents = await entries((await getArchive(rootfs, '/data/sub/.')).tar);
  assert.deepEqual(contents.map((e) => e.name), ['./', './b.txt']);
  const one = await entries((await getArchive(rootfs, 'data/sub/b.txt')).tar);
  assert.deepEqual(one, [{ name: 'b.txt', type: 'file', linkname: '', body: 'bbb\n' }]);
});

test('links that climb out of the rootfs stay inside it', async () => {
  const viaEscape = await entries((await getArchive(rootfs, '/escape/secret')).tar);
  assert.equal(viaEscape[0]?.body, 'container secret\n', 'the container\'s /etc, never the host\'s');
  await assert.rejects(getArchive(rootfs, '/climb/secret'), /Could not find the file/, 'climb resolves to /outside in the rootfs, which does not exist');
  await putArchive(rootfs, '/escape', tarOf([{ name: 'put-through-link', body: 'in\n' }]));
  assert.equal(readFileSync(path.join(rootfs, 'etc/put-through-link'), 'utf8'), 'in\n');
  assert.ok(!existsSync(path.join(outside, 'put-through-link')));
});

test('putArchive: extracts into an existing directory (a link to one is followed)', async () => {
  await putArchive(rootfs, '/dest-link', tarOf([{ name: 'd', type: 'directory' }, { name: 'd/f.txt', body: 'hello\n' }, { name: 'g.txt', body: 'g' }]));
  assert.equal(readFileSync(path.join(rootfs, 'dest/d/f.txt'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(path.join(rootfs, 'dest/g.txt'), 'utf8'), 'g');
  await assert.rejects(putArchive(rootfs, '/file', tarOf([{ name: 'x' }])), /not a directory/);
  await assert.rejects(putArchive(rootfs, '/missing', tarOf([{ name: 'x' }])), /Could not find the file/);
});

test('putArchive: names that escape or look like whiteouts are refused', async () => {
  await assert.rejects(putArchive(rootfs, '/tmp', tarOf([{ name: '../evil', body: 'x' }])), /climbs above/);
  await assert.rejects(putArchive(rootfs, '/tmp', tarOf([{ name: 'l', type: 'symlink', linkname: '/../../..' }, { name: 'l/evil', body: 'x' }])), /leaves the layer root|escape/);
  assert.ok(!existsSync(path.join(work, 'evil')));
  writeFileSync(path.join(rootfs, 'tmp/victim'), 'keep');
  await assert.rejects(putArchive(rootfs, '/tmp', tarOf([{ name: '.wh.victim', body: '' }])), /reserved for layer whiteouts/);
  assert.ok(existsSync(path.join(rootfs, 'tmp/victim')));
});

test('putArchive: noOverwriteDirNonDir refuses to swap a directory and a non-directory', async () => {
  mkdirSync(path.join(rootfs, 'tmp/adir'));
  writeFileSync(path.join(rootfs, 'tmp/afile'), 'f');
  await assert.rejects(putArchive(rootfs, '/tmp', tarOf([{ name: 'adir', body: 'x' }]), { noOverwriteDirNonDir: true }), /cannot overwrite directory/);
  await assert.rejects(putArchive(rootfs, '/tmp', tarOf([{ name: 'afile', type: 'directory' }]), { noOverwriteDirNonDir: true }), /cannot overwrite non-directory/);
  await assert.rejects(
    putArchive(rootfs, '/tmp', tarOf([{ name: 'fresh', type: 'directory' }, { name: 'fresh', body: 'x' }]), { noOverwriteDirNonDir: true }),
    /cannot overwrite directory/,
    'what the archive itself made counts too',
  );
  assert.ok(lstatSync(path.join(rootfs, 'tmp/adir')).isDirectory());
  // Without the flag, Docker's default: replace.
  await putArchive(rootfs, '/tmp', tarOf([{ name: 'adir', body: 'now a file' }]));
  assert.equal(readFileSync(path.join(rootfs, 'tmp/adir'), 'utf8'), 'now a file');
});
