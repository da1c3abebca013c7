import assert from 'node:assert/strict';
import { chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorKind } from '../../lib/index.js';
import { loadDockerignore } from './dockerignore.js';
import { extractContext, packContext } from './index.js';
import { buildTar, compress, listTar, listTree, readAll, scratch, streamOf, writeTree } from './test-fixtures.js';

describe('extractContext', () => {
  const entries = [
    { name: 'Dockerfile', content: 'FROM scratch\n' },
    { name: '.dockerignore', content: '*.log\n!keep.log\n' },
    { name: 'src/', type: 'directory' as const, mode: 0o750 },
    { name: 'src/main.c', content: 'int main;', mode: 0o640 },
    { name: 'src/link', type: 'symlink' as const, linkname: '/etc/passwd' },
  ];

  for (const tool of ['none', 'gzip', 'bzip2', 'xz'] as const) {
    it(`extracts a ${tool === 'none' ? 'plain' : tool} context and reads its .dockerignore`, async () => {
      const s = scratch();
      try {
        const tarball = await buildTar(entries);
        const dir = s.mkdir('ctx');
        const ctx = await extractContext(streamOf(tool === 'none' ? tarball : compress(tarball, tool)), dir);
        assert.deepEqual(listTree(ctx.root), [
          '.dockerignore = *.log\n!keep.log\n',
          'Dockerfile = FROM scratch\n',
          'src/',
          'src/link -> /etc/passwd',
          'src/main.c = int main;',
        ]);
        assert.equal(statSync(join(ctx.root, 'src')).mode & 0o7777, 0o750);
        assert.deepEqual(ctx.ignore.patterns, ['*.log', '!keep.log']);
        assert.equal(ctx.ignore.excludes('a.log'), true);
        assert.equal(ctx.ignore.excludes('keep.log'), false);
      } finally {
        s.cleanup();
      }
    });
  }

  it('has no ignore rules without a .dockerignore', async () => {
    const s = scratch();
    try {
      const ctx = await extractContext(streamOf(await buildTar([{ name: 'a', content: 'A' }])), s.mkdir('ctx'));
      assert.deepEqual(ctx.ignore.patterns, []);
    } finally {
      s.cleanup();
    }
  });

  const hostile: [string, Parameters<typeof buildTar>[0]][] = [
    ['a .. that climbs out', [{ name: '../escaped', content: 'x' }]],
    ['an absolute name', [{ name: '/abs-escaped', content: 'x' }]],
    ['a write through an absolute symlink', [{ name: 'out', type: 'symlink', linkname: '/' }, { name: 'out/escaped', content: 'x' }]],
    ['a write through a climbing symlink', [{ name: 'up', type: 'symlink', linkname: '../..' }, { name: 'up/escaped', content: 'x' }]],
    ['a hardlink to a host file', [{ name: 'hl', type: 'link', linkname: '../../../../etc/hostname' }]],
  ];
  for (const [what, tarEntries] of hostile) {
    it(`never writes outside the directory: ${what}`, async () => {
      const s = scratch();
      try {
        const dir = s.mkdir('ctx');
        const tarball = await buildTar(tarEntries);
        let error: unknown = null;
        await extractContext(streamOf(compress(tarball, 'gzip')), dir).catch((err: unknown) => (error = err));
        assert.deepEqual(listTree(s.dir).filter((p) => !p.startsWith('ctx')), []);
        for (const path of ['/escaped', '/abs-escaped', join(s.dir, 'escaped')]) assert.equal(lstatSync(path, { throwIfNoEntry: false }), undefined);
        // What could not be applied is refused and leaves nothing half written.
        if (error !== null) {
          assert.equal(errorKind(error), 'invalid-argument', String(error));
          assert.deepEqual(listTree(dir), []);
        }
      } finally {
        s.cleanup();
      }
    });
  }

  it('refuses a corrupt compressed stream and empties the directory', async () => {
    const s = scratch();
    try {
      const dir = s.mkdir('ctx');
      const good = compress(await buildTar([{ name: 'a', content: 'A'.repeat(5000) }]), 'xz');
      const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.alloc(200, 7)]);
      await assert.rejects(extractContext(streamOf(corrupt), dir), (err: Error) => errorKind(err) === 'invalid-argument' && /xz/.test(err.message));
      assert.deepEqual(listTree(dir), []);
    } finally {
      s.cleanup();
    }
  });

  it('stops the decompressor when extraction fails midway', async () => {
    const s = scratch();
    try {
      const big = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
      const tarball = await buildTar([{ name: '../escape', content: 'x' }, { name: 'big', content: big }]);
      for (const tool of ['bzip2', 'xz'] as const) {
        await assert.rejects(extractContext(streamOf(compress(tarball, tool), 64 * 1024), s.mkdir(tool)), (err: Error) => errorKind(err) === 'invalid-argument');
      }
      const children = (): string =>
        readdirSync('/proc/self/task')
          .map((task) => readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim())
          .filter((list) => list !== '')
          .join(' ');
      for (let i = 0; i < 100 && children() !== ''; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(children(), '');
    } finally {
      s.cleanup();
    }
  });

  it('does not read a .dockerignore that links outside the context', async () => {
    const s = scratch();
    try {
      writeFileSync(join(s.dir, 'outside-ignore'), 'everything\n');
      const dir = s.mkdir('ctx');
      const ctx = await extractContext(streamOf(await buildTar([{ name: '.dockerignore', type: 'symlink', linkname: join(s.dir, 'outside-ignore') }])), dir);
      assert.deepEqual(ctx.ignore.patterns, []);
    } finally {
      s.cleanup();
    }
  });
});

describe('packContext', () => {
  it('sends what the CLI sends: sorted, owners 0:0, links as links, without ignored files', async () => {
    const s = scratch();
    try {
      const dir = s.mkdir('ctx');
      writeTree(dir, {
        'Dockerfile': 'FROM scratch\n',
        '.dockerignore': '*.log\nnode_modules\n.dockerignore\nDockerfile\ndocs\n!docs/README.md\n',
        'app.js': 'js',
        'debug.log': 'log',
        'node_modules/x/index.js': 'x',
        'docs/README.md': 'readme',
        'docs/other.md': 'other',
      });
      chownSync(join(dir, 'app.js'), 1000, 1000);
      symlinkSync('app.js', join(dir, 'link'));
      linkSync(join(dir, 'app.js'), join(dir, 'hard.js'));
      const ignore = loadDockerignore(readFileSync(join(dir, '.dockerignore'), 'utf8'));
      const entries = await listTar(await readAll(packContext(dir, ignore)));
      assert.deepEqual([...entries.keys()], ['.dockerignore', 'Dockerfile', 'app.js', 'docs/README.md', 'hard.js', 'link']);
      const app = entries.get('app.js');
      assert.deepEqual([app?.header.uid, app?.header.gid], [0, 0]);
      assert.equal(entries.get('link')?.header.type, 'symlink');
      assert.equal(entries.get('hard.js')?.header.type, 'link');
      assert.equal(entries.get('hard.js')?.header.linkname, 'app.js');
      assert.equal(entries.get('docs/README.md')?.content.toString(), 'readme');
    } finally {
      s.cleanup();
    }
  });

  it('keeps a Dockerfile named by its path, adds one from outside, and round-trips through extractContext', async () => {
    const s = scratch();
    try {
      const dir = s.mkdir('ctx');
      writeTree(dir, { 'build/prod.Dockerfile': 'FROM a\n', 'data/x': 'x' });
      mkdirSync(join(dir, 'empty'));
      const ignore = loadDockerignore('build\n');
      const kept = await listTar(await readAll(packContext(dir, ignore, { dockerfilePath: 'build/prod.Dockerfile' })));
      assert.deepEqual([...kept.keys()].sort(), ['build/prod.Dockerfile', 'data', 'data/x', 'empty']);
      const content = Buffer.from('FROM stdin\n');
      const packed = packContext(dir, ignore, { dockerfile: { name: '.dockerfile.abc123', content } });
      const out = s.mkdir('out');
      const ctx = await extractContext(packed, out);
      assert.deepEqual(listTree(ctx.root), ['.dockerfile.abc123 = FROM stdin\n', 'data/', 'data/x = x', 'empty/']);
      assert.equal(statSync(join(out, '.dockerfile.abc123')).mode & 0o777, 0o600);
    } finally {
      s.cleanup();
    }
  });

  it('round-trips long and non-ASCII names', async () => {
    const s = scratch();
    try {
      const dir = s.mkdir('ctx');
      const long = `${'d'.repeat(120)}/${'f'.repeat(140)}`;
      writeTree(dir, { [long]: 'long', 'ünïcødé/日本.txt': 'u' });
      const out = s.mkdir('out');
      await extractContext(packContext(dir, loadDockerignore('')), out);
      assert.deepEqual(listTree(out), listTree(dir));
    } finally {
      s.cleanup();
    }
  });

  it('fails the stream when the directory does not exist', async () => {
    await assert.rejects(readAll(packContext('/nonexistent-berth-context', loadDockerignore(''))), /ENOENT/);
  });
});

describe('contextPath', () => {
  it('follows links inside the context only', async () => {
    const { contextPath } = await import('./index.js');
    const s = scratch();
    try {
      const dir = s.mkdir('ctx');
      writeTree(dir, { 'real/Dockerfile': 'FROM a\n' });
      symlinkSync('/real/Dockerfile', join(dir, 'Dockerfile'));
      symlinkSync('/etc/hostname', join(dir, 'escape'));
      assert.equal(readFileSync(contextPath(dir, 'Dockerfile'), 'utf8'), 'FROM a\n');
      assert.equal(contextPath(dir, 'escape'), join(dir, 'etc/hostname'));
      assert.equal(contextPath(dir, '../../etc/hostname'), join(dir, 'etc/hostname'));
    } finally {
      s.cleanup();
    }
  });
});
