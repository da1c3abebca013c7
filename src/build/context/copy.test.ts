import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getAttributeSync, setAttributeSync } from 'fs-xattr';
import { errorKind, isInvalidArgument, isNotFound } from '../../lib/index.js';
import { copySources, digestSources } from './copy.js';
import { loadDockerignore } from './dockerignore.js';
import type { CopySpec, FetchRemote } from './index.js';
import { buildTar, compress, listTree, scratch, writeTree, type Scratch } from './test-fixtures.js';

interface Fixture {
  s: Scratch;
  context: string;
  target: string;
  spec(overrides: Partial<CopySpec>): CopySpec;
}

function fixture(): Fixture {
  const s = scratch();
  const context = s.mkdir('context');
  const target = s.mkdir('target');
  return {
    s,
    context,
    target,
    spec: (overrides) => ({
      kind: 'COPY',
      sourceRoot: context,
      fromContext: true,
      sources: [],
      dest: '/',
      workdir: '/',
      targetRoot: target,
      ...overrides,
    }),
  };
}

/** Runs `body` with a fresh fixture, removed afterwards. */
async function withFixture(body: (f: Fixture) => Promise<void>): Promise<void> {
  const f = fixture();
  try {
    await body(f);
  } finally {
    f.s.cleanup();
  }
}

const HEX = /^[0-9a-f]{64}$/;

describe('COPY: sources and destinations', () => {
  it('copies a file into a directory named with a trailing slash, making parents root-owned 0755', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a.txt': 'A' });
      chownSync(join(f.context, 'a.txt'), 1234, 5678);
      const result = await copySources(f.spec({ sources: ['a.txt'], dest: '/x/y/' }));
      assert.equal(readFileSync(join(f.target, 'x/y/a.txt'), 'utf8'), 'A');
      const st = statSync(join(f.target, 'x/y/a.txt'));
      assert.deepEqual([st.uid, st.gid], [0, 0]);
      for (const dir of ['x', 'x/y']) {
        const d = statSync(join(f.target, dir));
        assert.equal(d.mode & 0o7777, 0o755);
        assert.deepEqual([d.uid, d.gid], [0, 0]);
      }
      assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
      const [hash, rest] = result.createdBy.split(' in ');
      assert.match(hash as string, /^file:[0-9a-f]{64}$/);
      assert.equal(rest, '/x/y/ ');
    }));

  it('copies a file to a new name, and into an existing directory named without a slash', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a.txt': 'A' });
      mkdirSync(join(f.target, 'existing'));
      await copySources(f.spec({ sources: ['a.txt'], dest: '/renamed.txt' }));
      await copySources(f.spec({ sources: ['a.txt'], dest: '/existing' }));
      assert.equal(readFileSync(join(f.target, 'renamed.txt'), 'utf8'), 'A');
      assert.equal(readFileSync(join(f.target, 'existing/a.txt'), 'utf8'), 'A');
    }));

  it('takes a relative destination from the WORKDIR, and leading / and ./ off sources', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'sub/a.txt': 'A' });
      await copySources(f.spec({ sources: ['/sub/a.txt', './sub/a.txt'], dest: 'rel/', workdir: '/app' }));
      assert.deepEqual(listTree(join(f.target, 'app')), ['rel/', 'rel/a.txt = A']);
    }));

  it('copies the contents of a directory, not the directory, keeping modes and mtimes', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/one.txt': '1', 'src/deep/two.txt': '2' });
      const exec = join(f.context, 'src/deep/two.txt');
      utimesSync(exec, 1_000_000, 1_500_000);
      const { chmodSync } = await import('node:fs');
      chmodSync(exec, 0o4751);
      chmodSync(join(f.context, 'src/deep'), 0o750);
      utimesSync(join(f.context, 'src/deep'), 1_000_000, 1_600_000);
      const result = await copySources(f.spec({ sources: ['src'], dest: '/dst' }));
      assert.deepEqual(listTree(join(f.target, 'dst')), ['deep/', 'deep/two.txt = 2', 'one.txt = 1']);
      const st = statSync(join(f.target, 'dst/deep/two.txt'));
      assert.equal(st.mode & 0o7777, 0o4751);
      assert.equal(Math.round(st.mtimeMs / 1000), 1_500_000);
      const dir = statSync(join(f.target, 'dst/deep'));
      assert.equal(dir.mode & 0o7777, 0o750);
      assert.equal(Math.round(dir.mtimeMs / 1000), 1_600_000);
      assert.match(result.createdBy, /^dir:[0-9a-f]{64} in \/dst $/);
    }));

  it('expands Go wildcards over the whole context, and needs a slash for several sources', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'docs/d.txt': 'd', 'x1': 'x' });
      const result = await copySources(f.spec({ sources: ['*.txt', 'docs/*.txt', 'x[0-9]'], dest: '/out/' }));
      assert.deepEqual(listTree(join(f.target, 'out')), ['a.txt = a', 'b.txt = b', 'd.txt = d', 'x1 = x']);
      assert.match(result.createdBy, /^multi:[0-9a-f]{64} in \/out\/ $/);
      await assert.rejects(copySources(f.spec({ sources: ['*.txt'], dest: '/one' })), (err: Error) => {
        return isInvalidArgument(err) && err.message === 'When using COPY with more than one source file, the destination must be a directory and end with a /';
      });
      await assert.rejects(copySources(f.spec({ sources: ['*.nothing'], dest: '/out/' })), (err: Error) => {
        return isInvalidArgument(err) && err.message === 'COPY failed: no source files were specified';
      });
      await assert.rejects(copySources(f.spec({ sources: ['[', 'a.txt'], dest: '/out/' })), isInvalidArgument);
    }));

  it('reports a missing source as Docker does, naming it', () =>
    withFixture(async (f) => {
      await assert.rejects(copySources(f.spec({ sources: ['missing.txt'] })), (err: Error) => {
        return isNotFound(err) && err.message === 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist';
      });
      await assert.rejects(copySources(f.spec({ sources: ['missing.txt'], fromContext: false })), (err: Error) => {
        return isNotFound(err) && err.message === 'COPY failed: stat missing.txt: file does not exist';
      });
    }));

  it('refuses a source that climbs out of the context with ..', () =>
    withFixture(async (f) => {
      writeTree(f.s.dir, { 'secret.txt': 'S' });
      for (const source of ['../secret.txt', 'a/../../secret.txt', '/../secret.txt']) {
        await assert.rejects(copySources(f.spec({ sources: [source] })), (err: Error) => {
          return isInvalidArgument(err) && err.message.includes('forbidden path outside the build context') && err.message.includes(source);
        });
      }
      assert.equal(existsSync(join(f.target, 'secret.txt')), false);
    }));

  it('resolves source symlinks inside the context: absolute and .. targets stay in it', () =>
    withFixture(async (f) => {
      writeTree(f.s.dir, { 'secret.txt': 'outside' });
      writeTree(f.context, { 'secret.txt': 'inside', 'real/file': 'R' });
      symlinkSync(join(f.s.dir, 'secret.txt'), join(f.context, 'abs-link'));
      symlinkSync('../../../../secret.txt', join(f.context, 'climbing-link'));
      symlinkSync('real', join(f.context, 'dir-link'));
      // The absolute link names a host path: inside the context that path does not exist.
      await assert.rejects(copySources(f.spec({ sources: ['abs-link'] })), isNotFound);
      await copySources(f.spec({ sources: ['climbing-link'], dest: '/c/' }));
      // The file keeps the name as written (the link's), with the target's content.
      assert.equal(readFileSync(join(f.target, 'c/climbing-link'), 'utf8'), 'inside');
      await copySources(f.spec({ sources: ['dir-link'], dest: '/d' }));
      assert.deepEqual(listTree(join(f.target, 'd')), ['file = R']);
    }));

  it('copies symlinks inside a directory as links, hardlinks as links, and xattrs', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/file': 'F' });
      symlinkSync('/etc/passwd', join(f.context, 'src/abs'));
      symlinkSync('file', join(f.context, 'src/rel'));
      linkSync(join(f.context, 'src/file'), join(f.context, 'src/hard'));
      let xattrs = true;
      try {
        setAttributeSync(join(f.context, 'src/file'), 'user.berth', Buffer.from('yes'));
      } catch {
        xattrs = false;
      }
      await copySources(f.spec({ sources: ['src'], dest: '/dst' }));
      assert.equal(readlinkSync(join(f.target, 'dst/abs')), '/etc/passwd');
      assert.equal(readlinkSync(join(f.target, 'dst/rel')), 'file');
      assert.equal(statSync(join(f.target, 'dst/file')).ino, statSync(join(f.target, 'dst/hard')).ino);
      if (xattrs) assert.equal(getAttributeSync(join(f.target, 'dst/file'), 'user.berth').toString(), 'yes');
    }));

  it('keeps the sources owners for --from and sets 0:0 for the context', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/file': 'F' });
      chownSync(join(f.context, 'src/file'), 1234, 5678);
      await copySources(f.spec({ sources: ['src'], dest: '/ctx', fromContext: true }));
      await copySources(f.spec({ sources: ['src'], dest: '/stage', fromContext: false }));
      assert.deepEqual([statSync(join(f.target, 'ctx/file')).uid, statSync(join(f.target, 'ctx/file')).gid], [0, 0]);
      assert.deepEqual([statSync(join(f.target, 'stage/file')).uid, statSync(join(f.target, 'stage/file')).gid], [1234, 5678]);
    }));

  it('applies --chmod to what it copies', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/file': 'F', 'one': '1' });
      await copySources(f.spec({ sources: ['src'], dest: '/dst', chmod: '640' }));
      await copySources(f.spec({ sources: ['one'], dest: '/one', chmod: '0755' }));
      assert.equal(statSync(join(f.target, 'dst/file')).mode & 0o7777, 0o640);
      assert.equal(statSync(join(f.target, 'one')).mode & 0o7777, 0o755);
      await assert.rejects(copySources(f.spec({ sources: ['one'], chmod: 'u+x' })), isInvalidArgument);
      await assert.rejects(copySources(f.spec({ sources: ['one'], chmod: '999' })), isInvalidArgument);
    }));

  it('writes inline documents as 0644 root files after the sources, --chmod and --chown applying', () =>
    withFixture(async (f) => {
      writeTree(f.context, { one: '1' });
      const plain = await copySources(f.spec({ sources: [], documents: [{ name: 'EOF', content: 'x\n' }], dest: '/etc/conf' }));
      assert.equal(readFileSync(join(f.target, 'etc/conf'), 'utf8'), 'x\n');
      assert.equal(statSync(join(f.target, 'etc/conf')).mode & 0o7777, 0o644);
      assert.match(plain.createdBy, /^file:[0-9a-f]{64} in \/etc\/conf $/);
      const mixed = await copySources(
        f.spec({ sources: ['one'], documents: [{ name: 'a', content: 'A\n' }, { name: 'a', content: 'later\n' }], dest: '/d/', chmod: '600', chown: '1:2' }),
      );
      assert.deepEqual(listTree(join(f.target, 'd')), ['a = later\n', 'one = 1']);
      const st = statSync(join(f.target, 'd/a'));
      assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o600, 1, 2]);
      assert.match(mixed.createdBy, /^--chown=1:2 --chmod=600 multi:[0-9a-f]{64} in \/d\/ $/);
      const edited = await digestSources(f.spec({ sources: [], documents: [{ name: 'EOF', content: 'y\n' }], dest: '/etc/conf' }));
      assert.notEqual(edited, plain.digest);
      await assert.rejects(copySources(f.spec({ sources: [], documents: [{ name: 'a', content: '' }, { name: 'b', content: '' }], dest: '/file' })), /must be a directory/);
      await assert.rejects(copySources(f.spec({ sources: [], documents: [{ name: '..', content: '' }], dest: '/x' })), isInvalidArgument);
    }));

  it('makes files excluded by .dockerignore invisible, with exceptions re-including', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/keep': 'k', 'src/secret.key': 's', 'src/logs/a.log': 'a', 'src/logs/important.log': 'i', 'top.key': 't' });
      const ignore = loadDockerignore('**/*.key\nsrc/logs\n!src/logs/important.log\n');
      await copySources(f.spec({ sources: ['src'], dest: '/dst', ignore }));
      assert.deepEqual(listTree(join(f.target, 'dst')), ['keep = k', 'logs/', 'logs/important.log = i']);
      await assert.rejects(copySources(f.spec({ sources: ['top.key'], ignore })), (err: Error) => isNotFound(err) && err.message.includes('top.key'));
      await copySources(f.spec({ sources: ['*'], dest: '/all/', ignore }));
      assert.deepEqual(listTree(join(f.target, 'all')), ['keep = k', 'logs/', 'logs/important.log = i']);
      // A stage's files have no .dockerignore.
      await copySources(f.spec({ sources: ['top.key'], dest: '/stage.key', ignore, fromContext: false }));
      assert.equal(readFileSync(join(f.target, 'stage.key'), 'utf8'), 't');
    }));

  it('sees an excluded directory only through what an exception re-includes in it', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'docs/README.md': 'r', 'docs/x.md': 'x', 'tmp/t': 't', 'keep.txt': 'k' });
      const ignore = loadDockerignore('docs\ntmp\n!docs/README.md\n');
      await copySources(f.spec({ sources: ['docs'], dest: '/d', ignore }));
      assert.deepEqual(listTree(join(f.target, 'd')), ['README.md = r']);
      await assert.rejects(copySources(f.spec({ sources: ['tmp'], dest: '/t', ignore })), isNotFound);
      await copySources(f.spec({ sources: ['*'], dest: '/all/', ignore }));
      assert.deepEqual(listTree(join(f.target, 'all')), ['README.md = r', 'keep.txt = k']);
    }));

  it('refuses a URL for COPY and a git URL for ADD', () =>
    withFixture(async (f) => {
      await assert.rejects(copySources(f.spec({ sources: ['http://127.0.0.1:1/x'] })), (err: Error) => isInvalidArgument(err) && /can't be a URL for COPY/.test(err.message));
      await assert.rejects(copySources(f.spec({ kind: 'ADD', sources: ['https://127.0.0.1:1/repo.git'] })), (err: Error) => isInvalidArgument(err) && /git sources/.test(err.message));
      await assert.rejects(copySources(f.spec({ kind: 'ADD', sources: ['git@127.0.0.1:repo'] })), (err: Error) => isInvalidArgument(err) && /git sources/.test(err.message));
    }));
});

describe('COPY: more shapes', () => {
  it('copies the whole context with ".", and keeps the destination as written in the history', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a': 'A', 'sub/b': 'B' });
      const result = await copySources(f.spec({ sources: ['.'], dest: 'app', workdir: '/srv' }));
      assert.deepEqual(listTree(join(f.target, 'srv/app')), ['a = A', 'sub/', 'sub/b = B']);
      assert.match(result.createdBy, /^dir:[0-9a-f]{64} in app $/);
    }));

  it('copies FIFOs and device nodes from a stage', () =>
    withFixture(async (f) => {
      const { spawnSync } = await import('node:child_process');
      mkdirSync(join(f.context, 'dev'));
      assert.equal(spawnSync('mknod', [join(f.context, 'dev/pipe'), 'p']).status, 0);
      assert.equal(spawnSync('mknod', [join(f.context, 'dev/null'), 'c', '1', '3']).status, 0);
      await copySources(f.spec({ sources: ['dev'], dest: '/dev', fromContext: false }));
      assert.equal(lstatSync(join(f.target, 'dev/pipe')).isFIFO(), true);
      const dev = lstatSync(join(f.target, 'dev/null'));
      assert.equal(dev.isCharacterDevice(), true);
      assert.equal(dev.rdev, lstatSync('/dev/null').rdev);
    }));

  it('gives the same digest with and without copying for wildcards and several sources', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a.txt': 'a', 'b.txt': 'b', 'dir/c': 'c' });
      const spec = f.spec({ sources: ['*.txt', 'dir'], dest: '/out/' });
      assert.equal(await digestSources(spec), (await copySources(spec)).digest);
      assert.notEqual(await digestSources(f.spec({ sources: ['a.txt', 'dir'], dest: '/out/' })), await digestSources(spec));
    }));

  it('refuses to copy a directory over a file', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/a': 'A' });
      writeTree(f.target, { 'file': 'F' });
      await assert.rejects(copySources(f.spec({ sources: ['src'], dest: '/file' })), (err: Error) => isInvalidArgument(err) && err.message.includes('/file'));
      assert.equal(readFileSync(join(f.target, 'file'), 'utf8'), 'F');
    }));
});

describe('COPY: the target never escapes its root', () => {
  it('resolves a destination symlink inside the target root', () =>
    withFixture(async (f) => {
      const outside = f.s.mkdir('outside');
      writeTree(f.context, { 'a.txt': 'A', 'src/b.txt': 'B' });
      symlinkSync(outside, join(f.target, 'abs'));
      symlinkSync('../../../../../outside', join(f.target, 'climb'));
      await copySources(f.spec({ sources: ['a.txt'], dest: '/abs/' }));
      await copySources(f.spec({ sources: ['src'], dest: '/climb/' }));
      await copySources(f.spec({ sources: ['a.txt'], dest: '/climb/x/renamed' }));
      assert.deepEqual(listTree(outside), []);
      // The absolute link's target, taken inside the root.
      assert.equal(readFileSync(join(f.target, outside, 'a.txt'), 'utf8'), 'A');
      assert.equal(readFileSync(join(f.target, 'outside/b.txt'), 'utf8'), 'B');
      assert.equal(readFileSync(join(f.target, 'outside/x/renamed'), 'utf8'), 'A');
    }));

  it('replaces links inside the destination instead of writing through them', () =>
    withFixture(async (f) => {
      const outside = f.s.mkdir('outside');
      writeTree(outside, { 'victim': 'untouched' });
      writeTree(f.context, { 'src/victim': 'new', 'src/sub/file': 'F' });
      mkdirSync(join(f.target, 'dst'));
      symlinkSync(join(outside, 'victim'), join(f.target, 'dst/victim'));
      symlinkSync(outside, join(f.target, 'dst/sub'));
      symlinkSync(join(outside, 'victim'), join(f.target, 'file-link'));
      await copySources(f.spec({ sources: ['src'], dest: '/dst' }));
      assert.deepEqual(listTree(outside), ['victim = untouched']);
      assert.deepEqual(listTree(join(f.target, 'dst')), ['sub/', 'sub/file = F', 'victim = new']);
      // A file copied onto a link: the link is followed inside the root, never outside.
      await copySources(f.spec({ sources: ['src/victim'], dest: '/file-link' }));
      assert.deepEqual(listTree(outside), ['victim = untouched']);
      assert.equal(readFileSync(join(f.target, outside, 'victim'), 'utf8'), 'new');
    }));
});

describe('COPY --chown', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
  const group = 'root:x:0:\napp:x:2000:\nstaff:x:50:\n';

  it('resolves names through the target root /etc/passwd and /etc/group', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a': 'A', 'src/b': 'B' });
      writeTree(f.target, { 'etc/passwd': passwd, 'etc/group': group });
      const owner = (path: string): [number, number] => {
        const st = lstatSync(join(f.target, path));
        return [st.uid, st.gid];
      };
      const result = await copySources(f.spec({ sources: ['a'], dest: '/one', chown: 'app' }));
      assert.deepEqual(owner('one'), [1000, 2000]);
      assert.match(result.createdBy, /^--chown=app file:[0-9a-f]{64} in \/one $/);
      await copySources(f.spec({ sources: ['a'], dest: '/two', chown: 'app:staff' }));
      assert.deepEqual(owner('two'), [1000, 50]);
      await copySources(f.spec({ sources: ['a'], dest: '/new/parent/three', chown: '12:34' }));
      assert.deepEqual(owner('new/parent/three'), [12, 34]);
      // Parents made for a copied file belong to its owner, as in Docker.
      assert.deepEqual(owner('new'), [12, 34]);
      await copySources(f.spec({ sources: ['src'], dest: '/tree', chown: 'app', fromContext: false }));
      assert.deepEqual(owner('tree'), [1000, 2000]);
      assert.deepEqual(owner('tree/b'), [1000, 2000]);
    }));

  it('refuses unknown names and a target without /etc/passwd, naming them', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a': 'A' });
      await assert.rejects(copySources(f.spec({ sources: ['a'], chown: 'app' })), (err: Error) => isInvalidArgument(err) && err.message.includes('/etc/passwd'));
      writeTree(f.target, { 'etc/passwd': passwd, 'etc/group': group });
      await assert.rejects(copySources(f.spec({ sources: ['a'], chown: 'nobody' })), (err: Error) => isInvalidArgument(err) && err.message.endsWith('no such user: nobody'));
      await assert.rejects(copySources(f.spec({ sources: ['a'], chown: 'app:wheel' })), (err: Error) => isInvalidArgument(err) && err.message.endsWith('no such group: wheel'));
      await assert.rejects(copySources(f.spec({ sources: ['a'], chown: 'a:b:c' })), (err: Error) => isInvalidArgument(err) && err.message.includes('invalid chown string format: a:b:c'));
      assert.equal(existsSync(join(f.target, 'a')), false);
    }));

  it('reads the passwd file of the target, through its links but never outside it', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'a': 'A' });
      writeTree(f.target, { 'real/passwd': 'app:x:77:77::/:/bin/sh\n', 'etc/group': 'app:x:88:\n' });
      symlinkSync('/real/passwd', join(f.target, 'etc/passwd'));
      await copySources(f.spec({ sources: ['a'], dest: '/a', chown: 'app' }));
      assert.deepEqual([lstatSync(join(f.target, 'a')).uid, lstatSync(join(f.target, 'a')).gid], [77, 88]);
    }));
});

describe('ADD', () => {
  const entries = [
    { name: 'pkg/', type: 'directory' as const, mode: 0o755 },
    { name: 'pkg/hello.txt', content: 'hello', mode: 0o644, uid: 42, gid: 43 },
  ];

  for (const tool of ['none', 'gzip', 'bzip2', 'xz'] as const) {
    it(`extracts a local ${tool === 'none' ? 'plain' : tool} tar into the destination`, () =>
      withFixture(async (f) => {
        const tarball = await buildTar(entries);
        writeFileSync(join(f.context, 'archive'), tool === 'none' ? tarball : compress(tarball, tool));
        await copySources(f.spec({ kind: 'ADD', sources: ['archive'], dest: '/opt/' }));
        assert.deepEqual(listTree(join(f.target, 'opt')), ['pkg/', 'pkg/hello.txt = hello']);
        // The archive's owners are kept, as Docker's classic builder does.
        assert.equal(statSync(join(f.target, 'opt/pkg/hello.txt')).uid, 42);
        // COPY never extracts.
        await copySources(f.spec({ sources: ['archive'], dest: '/copied' }));
        assert.equal(statSync(join(f.target, 'copied')).isFile(), true);
      }));
  }

  it('copies a compressed file that is no tar as it is', () =>
    withFixture(async (f) => {
      const gz = compress(Buffer.from('just text\n'), 'gzip');
      writeFileSync(join(f.context, 'notes.gz'), gz);
      await copySources(f.spec({ kind: 'ADD', sources: ['notes.gz'], dest: '/n/' }));
      assert.deepEqual(readFileSync(join(f.target, 'n/notes.gz')), gz);
    }));

  it('refuses a hostile archive without writing outside the destination', () =>
    withFixture(async (f) => {
      const outside = f.s.mkdir('outside');
      const hostile = [
        await buildTar([{ name: '../../../outside/evil', content: 'x' }]),
        await buildTar([{ name: 'link', type: 'symlink', linkname: outside }, { name: 'link/evil', content: 'x' }]),
        await buildTar([{ name: 'up', type: 'symlink', linkname: '../../..' }, { name: 'up/outside/evil', content: 'x' }]),
      ];
      for (const [i, tarball] of hostile.entries()) {
        writeFileSync(join(f.context, `bad${i}.tar`), compress(tarball, 'gzip'));
        await copySources(f.spec({ kind: 'ADD', sources: [`bad${i}.tar`], dest: `/d${i}/` })).catch((err: Error) => {
          assert.equal(errorKind(err), 'invalid-argument', err.message);
        });
      }
      assert.deepEqual(listTree(outside), []);
    }));

  describe('remote sources', () => {
    let server: Server;
    let base: string;
    const tarball = buildTar(entries);
    before(async () => {
      const body = await tarball;
      server = createServer((req, res) => {
        if (req.url === '/files/pkg.tar') {
          res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'Content-Length': body.length });
          res.end(body);
        } else if (req.url === '/plain') {
          res.end('plain body');
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const fetch: FetchRemote = (url) =>
      new Promise((resolve, reject) => {
        get(url, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`GET ${url}: ${res.statusCode}`));
            return;
          }
          const modified = res.headers['last-modified'];
          const name = new URL(url).pathname.split('/').pop() ?? '';
          resolve({ body: res, fileName: name, ...(modified ? { lastModified: new Date(modified) } : {}) });
        }).on('error', reject);
      });

    it('downloads through fetch: named from the URL, mode 0600, mtime from Last-Modified, never extracted', () =>
      withFixture(async (f) => {
        const result = await copySources(f.spec({ kind: 'ADD', sources: [`${base}/files/pkg.tar`], dest: '/dl/', fetch }));
        const st = statSync(join(f.target, 'dl/pkg.tar'));
        assert.equal(st.mode & 0o7777, 0o600);
        assert.equal(st.mtime.toISOString(), '2015-10-21T07:28:00.000Z');
        assert.deepEqual([st.uid, st.gid], [0, 0]);
        assert.deepEqual(readFileSync(join(f.target, 'dl/pkg.tar')), await tarball);
        assert.equal(await digestSources(f.spec({ kind: 'ADD', sources: [`${base}/files/pkg.tar`], dest: '/dl/', fetch })), result.digest);
        await copySources(f.spec({ kind: 'ADD', sources: [`${base}/plain`], dest: '/p', fetch }));
        assert.equal(readFileSync(join(f.target, 'p'), 'utf8'), 'plain body');
        assert.equal(statSync(join(f.target, 'p')).mtimeMs, 0);
        await assert.rejects(copySources(f.spec({ kind: 'ADD', sources: [`${base}/missing`], dest: '/m', fetch })), /404/);
      }));
  });
});

describe('COPY digests', () => {
  it('equal the copy digest, change with copied content, and ignore what is not copied', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/a': 'A', 'src/b': 'B', 'src/ignored.log': 'L', 'other': 'O' });
      const ignore = loadDockerignore('*.log\nsrc/*.log\n');
      const spec = f.spec({ sources: ['src'], dest: '/dst', ignore });
      const first = await digestSources(spec);
      assert.equal((await copySources(spec)).digest, first);
      writeFileSync(join(f.context, 'other'), 'changed');
      writeFileSync(join(f.context, 'src/ignored.log'), 'changed');
      utimesSync(join(f.context, 'src/a'), 5, 5);
      assert.equal(await digestSources(spec), first);
      writeFileSync(join(f.context, 'src/b'), 'B2');
      const second = await digestSources(spec);
      assert.notEqual(second, first);
      // Same size, same mtime: the hash cache must still see the new content (ctime moves).
      const st = statSync(join(f.context, 'src/b'));
      writeFileSync(join(f.context, 'src/b'), 'B3');
      utimesSync(join(f.context, 'src/b'), st.atime, st.mtime);
      assert.notEqual(await digestSources(spec), second);
    }));

  it('hashes and copies large files as streams', () =>
    withFixture(async (f) => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'z');
      writeFileSync(join(f.context, 'big'), big);
      const spec = f.spec({ sources: ['big'], dest: '/big' });
      const first = await copySources(spec);
      assert.deepEqual(readFileSync(join(f.target, 'big')), big);
      big[big.length - 1] = 0x41;
      writeFileSync(join(f.context, 'big'), big);
      assert.notEqual(await digestSources(spec), first.digest);
    }));

  it('are remembered by source identity when one is given', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/a': 'A' });
      const spec = f.spec({ sources: ['src'], dest: '/dst', fromContext: false, sourceKey: `sha256:${'1'.repeat(64)}` });
      const { rememberedDigest } = await import('./copy.js');
      assert.equal(rememberedDigest(spec), undefined);
      const first = await digestSources(spec);
      assert.equal(rememberedDigest({ ...spec, fetch: undefined }), first);
      // An image's content never changes under its ID: a remembered digest stands.
      writeFileSync(join(f.context, 'src/a'), 'changed');
      assert.equal(await digestSources(spec), first);
      const other = { ...spec, sourceKey: `sha256:${'2'.repeat(64)}` };
      assert.notEqual(await digestSources(other), first);
      assert.equal(rememberedDigest({ ...spec, dest: '/elsewhere' }), undefined);
      assert.equal(rememberedDigest({ ...spec, sourceKey: undefined }), undefined);
    }));

  it('change with the destination, owners, modes, chmod and chown, and new files', () =>
    withFixture(async (f) => {
      writeTree(f.context, { 'src/a': 'A' });
      const spec = f.spec({ sources: ['src'], dest: '/dst' });
      const seen = new Set<string>([await digestSources(spec)]);
      const add = async (s: CopySpec): Promise<void> => {
        const digest = await digestSources(s);
        assert.equal(seen.has(digest), false, `digest repeated for ${JSON.stringify(s)}`);
        seen.add(digest);
      };
      await add({ ...spec, dest: '/other' });
      await add({ ...spec, chmod: '600' });
      await add({ ...spec, chown: '1:1' });
      await add({ ...spec, fromContext: false });
      chownSync(join(f.context, 'src/a'), 7, 7);
      await add({ ...spec, fromContext: false });
      const { chmodSync } = await import('node:fs');
      chmodSync(join(f.context, 'src/a'), 0o600);
      await add(spec);
      writeFileSync(join(f.context, 'src/new'), '');
      await add(spec);
      symlinkSync('a', join(f.context, 'src/link'));
      await add(spec);
      for (const digest of seen) assert.match(digest.slice('sha256:'.length), HEX);
    }));
});
