import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { berth, tempRoot } from '../helpers/berth.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

interface Summary {
  Id: string;
  RepoTags: string[];
  Size: number;
}

function blobCount(root: string): number {
  const dir = path.join(root, 'content/blobs/sha256');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
}

describe('berth image commands without a daemon', () => {
  const t = tempRoot();
  let tarball = '';

  before(async () => {
    ({ tarball } = await makeBusyboxRootfs(t.dir));
  });
  after(() => t.cleanup());

  test('import creates an image that images lists, in a table and as JSON', async () => {
    const imported = await berth(t.root, ['image', 'import', '-m', 'first', '-c', 'CMD ["/bin/sh"]', tarball, 'demo:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const id = imported.stdout.trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);

    const json = await berth(t.root, ['images', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const images = JSON.parse(json.stdout) as Summary[];
    assert.equal(images.length, 1);
    assert.equal(images[0]?.Id, id);
    assert.deepEqual(images[0]?.RepoTags, ['demo:1']);
    assert.ok((images[0]?.Size ?? 0) > 1_000_000, 'the layer holds busybox');

    const table = await berth(t.root, ['images']);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.equal(lines[1]?.indexOf('1'), lines[0]?.indexOf('TAG'), 'columns are aligned');
    assert.ok(lines[1]?.includes(id.slice(7, 19)));

    const inspect = await berth(t.root, ['image', 'inspect', 'demo:1']);
    const [details] = JSON.parse(inspect.stdout) as Array<{ Id: string; Config: { Cmd: string[] }; Comment: string; RootFS: { Layers: string[] } }>;
    assert.equal(details?.Id, id);
    assert.deepEqual(details?.Config.Cmd, ['/bin/sh']);
    assert.equal(details?.Comment, 'first');
    assert.equal(details?.RootFS.Layers.length, 1);
  });

  test('tag adds a name; rm of a name untags; rm by ID of a multi-named image needs -f', async () => {
    assert.equal((await berth(t.root, ['tag', 'demo:1', 'localhost:5000/team/demo:2'])).code, 0);
    const names = (JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout) as Summary[])[0]?.RepoTags;
    assert.deepEqual(names?.sort(), ['demo:1', 'localhost:5000/team/demo:2']);

    const id = (JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout) as Summary[])[0]?.Id ?? '';
    const refused = await berth(t.root, ['rmi', id.slice(7, 19)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /must be forced/);

    const untag = await berth(t.root, ['image', 'rm', 'localhost:5000/team/demo:2']);
    assert.equal(untag.code, 0, untag.stderr);
    assert.equal(untag.stdout, 'Untagged: localhost:5000/team/demo:2\n');

    const missing = await berth(t.root, ['image', 'inspect', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: nope/);
  });

  test('save then load into another root gives the same image, in both formats', async () => {
    for (const format of ['docker', 'oci']) {
      const archive = path.join(t.dir, `demo-${format}.tar`);
      const saved = await berth(t.root, ['image', 'save', '--format', format, '-o', archive, 'demo:1']);
      assert.equal(saved.code, 0, saved.stderr);
      const other = path.join(t.dir, `other-${format}`);
      const loaded = await berth(other, ['image', 'load', '-i', archive]);
      assert.equal(loaded.code, 0, loaded.stderr);
      assert.match(loaded.stdout, /Loaded image: demo:1/);
      const [mine] = JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout) as Summary[];
      const [theirs] = JSON.parse((await berth(other, ['images', '--format', 'json'])).stdout) as Summary[];
      assert.equal(theirs?.Id, mine?.Id);
      assert.deepEqual(theirs?.RepoTags, ['demo:1']);
    }
  });

  test('a gzip-compressed archive loads too', async () => {
    const archive = path.join(t.dir, 'demo-docker.tar');
    const { gzipSync } = await import('node:zlib');
    const gz = path.join(t.dir, 'demo.tar.gz');
    fs.writeFileSync(gz, gzipSync(fs.readFileSync(archive)));
    const other = path.join(t.dir, 'other-gz');
    const loaded = await berth(other, ['load', '-i', gz]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: demo:1/);
  });

  test('re-importing a tag leaves the old image dangling; prune removes it and its blobs', async () => {
    const before = blobCount(t.root);
    const again = await berth(t.root, ['import', '-m', 'second', tarball, 'demo:1']);
    assert.equal(again.code, 0, again.stderr);
    const dangling = JSON.parse(
      (await berth(t.root, ['images', '--format', 'json', '--filter', 'dangling=true'])).stdout,
    ) as Summary[];
    assert.equal(dangling.length, 1);
    assert.deepEqual(dangling[0]?.RepoTags, []);
    const pruned = await berth(t.root, ['image', 'prune', '-f']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /deleted: sha256:/);
    const left = JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout) as Summary[];
    assert.equal(left.length, 1);
    // The layer is shared (same tar), the old config and manifest are gone.
    assert.equal(blobCount(t.root), before);
  });

  test('rm of the last name deletes the image and prune -a empties the store', async () => {
    const removed = await berth(t.root, ['rmi', 'demo:1']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Untagged: demo:1\nDeleted: sha256:/);
    assert.equal(blobCount(t.root), 0);
    assert.equal(JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout).length, 0);
  });
});

describe('bad input is refused and leaves nothing behind', () => {
  const t = tempRoot();
  after(() => t.cleanup());

  test('importing something that is not a tar fails with a clear error', async () => {
    const junk = path.join(t.dir, 'junk.tar');
    fs.writeFileSync(junk, Buffer.alloc(4096, 7));
    const result = await berth(t.root, ['import', junk, 'junk']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not a valid tar archive/);
    assert.equal(JSON.parse((await berth(t.root, ['images', '--format', 'json'])).stdout).length, 0);
  });

  test('loading an archive whose blob does not match its digest is refused', async () => {
    const { tarball } = await makeBusyboxRootfs(path.join(t.dir), 'tampered');
    assert.equal((await berth(t.root, ['import', tarball, 'victim'])).code, 0);
    const archive = path.join(t.dir, 'victim.tar');
    assert.equal((await berth(t.root, ['save', '-o', archive, 'victim'])).code, 0);
    // Flip bytes inside the layer blob (the largest entry) without changing its size.
    const bytes = fs.readFileSync(archive);
    const at = bytes.indexOf(Buffer.from('tampered\n'));
    assert.ok(at > 0);
    bytes.write('TAMPERED\n', at);
    const bad = path.join(t.dir, 'bad.tar');
    fs.writeFileSync(bad, bytes);
    const other = path.join(t.dir, 'other');
    const result = await berth(other, ['load', '-i', bad]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /digest/);
    assert.equal(JSON.parse((await berth(other, ['images', '--format', 'json'])).stdout).length, 0);
  });

  test('an archive that is neither format is refused', async () => {
    const archive = path.join(t.dir, 'plain.tar');
    const { execText } = await import('../helpers/berth.js');
    fs.writeFileSync(path.join(t.dir, 'note.txt'), 'hi');
    await execText('tar', ['-C', t.dir, '-cf', archive, 'note.txt']);
    const result = await berth(t.root, ['load', '-i', archive]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /neither manifest.json nor index.json/);
  });

  test('unknown flags and commands are usage errors', async () => {
    assert.equal((await berth(t.root, ['images', '--bogus'])).code, 2);
    assert.equal((await berth(t.root, ['frobnicate'])).code, 2);
    const badRef = await berth(t.root, ['tag', 'x', 'UPPER:case']);
    assert.notEqual(badRef.code, 0);
  });
});
