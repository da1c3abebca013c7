import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { extractTar, packPath, rebase } from './archive.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
}

async function tarOf(entries: Array<{ name: string; type?: 'file' | 'symlink' | 'directory' | 'link'; linkname?: string; body?: string; mode?: number }>): Promise<Readable> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.mode ?? 0o644 }, e.body ?? '');
  pack.finalize();
  return Readable.from(pack);
}

test('pack then extract keeps files, modes, symlinks, hard links, and renames the top entry', async () => {
  const dir = tempDir();
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'alpha');
    fs.writeFileSync(path.join(src, 'sub/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('a.txt', path.join(src, 'link'));
    fs.linkSync(path.join(src, 'a.txt'), path.join(src, 'sub/hard.txt'));
    fs.chmodSync(path.join(src, 'sub/run.sh'), 0o4755);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    await extractTar(packPath(src, 'src'), out, rebase('src', 'copied'));
    const copied = path.join(out, 'copied');
    assert.equal(fs.readFileSync(path.join(copied, 'a.txt'), 'utf8'), 'alpha');
    assert.equal(fs.statSync(path.join(copied, 'sub/run.sh')).mode & 0o7777, 0o755, 'setuid is dropped');
    assert.equal(fs.readlinkSync(path.join(copied, 'link')), 'a.txt');
    assert.equal(fs.statSync(path.join(copied, 'sub/hard.txt')).ino, fs.statSync(path.join(copied, 'a.txt')).ino);

    const contents = path.join(dir, 'contents');
    fs.mkdirSync(contents);
    await extractTar(packPath(src, null), contents);
    assert.deepEqual(fs.readdirSync(contents).sort(), ['a.txt', 'link', 'sub']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('extraction refuses to climb out of the target', async () => {
  const dir = tempDir();
  try {
    const target = path.join(dir, 'target');
    fs.mkdirSync(target);
    await assert.rejects(extractTar(await tarOf([{ name: '../escape.txt', body: 'x' }]), target), /climbs out/);
    // A symlink to outside, then a file written "through" it.
    await assert.rejects(
      extractTar(await tarOf([{ name: 'evil', type: 'symlink', linkname: dir }, { name: 'evil/escape.txt', body: 'x' }]), target),
      /symbolic link/,
    );
    // A hard link to a file outside.
    fs.writeFileSync(path.join(dir, 'secret'), 's');
    await assert.rejects(extractTar(await tarOf([{ name: 'h', type: 'link', linkname: '../secret' }]), target), /climbs out/);
    await assert.rejects(extractTar(await tarOf([{ name: 'h', type: 'link', linkname: 'evil' }]), target), /not a file/);
    // A file replacing an existing symlink replaces the link, not what it points to.
    fs.writeFileSync(path.join(dir, 'victim'), 'safe');
    fs.symlinkSync(path.join(dir, 'victim'), path.join(target, 'over'));
    await extractTar(await tarOf([{ name: 'over', body: 'new' }]), target);
    assert.equal(fs.readFileSync(path.join(dir, 'victim'), 'utf8'), 'safe');
    assert.equal(fs.readFileSync(path.join(target, 'over'), 'utf8'), 'new');
    assert.ok(!fs.existsSync(path.join(dir, 'escape.txt')));
    // Absolute names land inside.
    await extractTar(await tarOf([{ name: '/abs/file', body: 'in' }]), target);
    assert.equal(fs.readFileSync(path.join(target, 'abs/file'), 'utf8'), 'in');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
