import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { berth, run, tempRoot } from '../helpers/berth.js';
import { podman } from '../helpers/podman.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

interface Summary {
  Id: string;
  RepoTags: string[];
}

async function ok(result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('images move between berth, podman and skopeo unchanged', () => {
  const t = tempRoot('berth-interop-');
  let rootfs = '';
  let tarball = '';
  let id = '';
  const pm = podman(path.join(t.dir, 'podman'));

  before(async () => {
    ({ rootfs, tarball } = await makeBusyboxRootfs(t.dir, 'interop marker'));
    id = (await ok(berth(t.root, ['image', 'import', tarball, 'interop/demo:1']))).trim();
  });
  after(() => t.cleanup());

  test('berth save (docker-archive) loads in podman with the same image ID', async () => {
    const archive = path.join(t.dir, 'berth-docker.tar');
    await ok(berth(t.root, ['image', 'save', '-o', archive, 'interop/demo:1']));
    await ok(pm(['load', '-i', archive]));
    const inspected = JSON.parse(await ok(pm(['image', 'inspect', 'docker.io/interop/demo:1']))) as Array<{ Id: string }>;
    assert.equal(`sha256:${inspected[0]?.Id}`, id);
  });

  test('skopeo reads berth archives in both formats', async () => {
    const docker = path.join(t.dir, 'berth-docker.tar');
    const oci = path.join(t.dir, 'berth-oci.tar');
    await ok(berth(t.root, ['image', 'save', '--format', 'oci', '-o', oci, 'interop/demo:1']));
    for (const ref of [`docker-archive:${docker}`, `oci-archive:${oci}`]) {
      const info = JSON.parse(await ok(run('skopeo', ['inspect', ref]))) as { Layers: string[]; Os: string };
      assert.equal(info.Layers.length, 1, ref);
      assert.equal(info.Os, 'linux');
      const config = JSON.parse(await ok(run('skopeo', ['inspect', '--config', '--raw', ref]))) as { rootfs: { diff_ids: string[] } };
      const [details] = JSON.parse(await ok(berth(t.root, ['image', 'inspect', 'interop/demo:1']))) as Array<{ RootFS: { Layers: string[] } }>;
      assert.deepEqual(config.rootfs.diff_ids, details?.RootFS.Layers, ref);
    }
  });

  test('a zstd-compressed OCI archive made by skopeo loads and unpacks', async () => {
    const docker = path.join(t.dir, 'berth-docker.tar');
    const zstd = path.join(t.dir, 'zstd-oci.tar');
    await ok(run('skopeo', ['copy', '--dest-compress', '--dest-compress-format', 'zstd', `docker-archive:${docker}`, `oci-archive:${zstd}:docker.io/interop/zstd:1`]));
    const other = path.join(t.dir, 'berth-zstd');
    await ok(berth(other, ['image', 'load', '-i', zstd]));
    // skopeo may rewrite the config when it converts formats; the layers must be the same.
    const layersOf = async (root: string, ref: string): Promise<string[]> =>
      (JSON.parse(await ok(berth(root, ['image', 'inspect', ref]))) as Array<{ RootFS: { Layers: string[] } }>)[0]?.RootFS.Layers ?? [];
    assert.deepEqual(await layersOf(other, 'interop/zstd:1'), await layersOf(t.root, id));
    const mounted = (await ok(berth(other, ['image', 'mount', 'interop/zstd:1']))).trim();
    try {
      assert.equal(fs.readFileSync(path.join(mounted, 'data/marker.txt'), 'utf8'), 'interop marker\n');
    } finally {
      await ok(berth(other, ['image', 'unmount', 'interop/zstd:1']));
    }
    // docker-archive layers are uncompressed: saving the zstd image decompresses its layer.
    const resaved = path.join(t.dir, 'zstd-resaved.tar');
    await ok(berth(other, ['image', 'save', '-o', resaved, 'interop/zstd:1']));
    const third = path.join(t.dir, 'berth-resaved');
    await ok(berth(third, ['image', 'load', '-i', resaved]));
    assert.deepEqual(await layersOf(third, 'interop/zstd:1'), await layersOf(t.root, id));
  });

  for (const format of ['docker-archive', 'oci-archive']) {
    test(`podman save (${format}) loads into berth with the same files`, async () => {
      const fromPodman = path.join(t.dir, `podman-${format}.tar`);
      await ok(pm(['import', tarball, `localhost/from-podman:${format}`]));
      await ok(pm(['save', '--format', format, '-o', fromPodman, `localhost/from-podman:${format}`]));
      const other = path.join(t.dir, `berth-from-${format}`);
      const loaded = await ok(berth(other, ['image', 'load', '-i', fromPodman]));
      const images = JSON.parse(await ok(berth(other, ['images', '--format', 'json']))) as Summary[];
      assert.equal(images.length, 1, loaded);
      const podmanId = (await ok(pm(['image', 'inspect', '--format', '{{.Id}}', `localhost/from-podman:${format}`]))).trim();
      assert.equal(images[0]?.Id, `sha256:${podmanId}`);
      if (format === 'docker-archive') assert.deepEqual(images[0]?.RepoTags, [`localhost/from-podman:${format}`]);

      const mounted = (await ok(berth(other, ['image', 'mount', images[0]?.Id ?? '']))).trim();
      try {
        assert.equal(fs.readFileSync(path.join(mounted, 'data/marker.txt'), 'utf8'), 'interop marker\n');
        assert.ok(fs.readFileSync(path.join(mounted, 'bin/busybox')).equals(fs.readFileSync(path.join(rootfs, 'bin/busybox'))));
        assert.equal(fs.readlinkSync(path.join(mounted, 'bin/sh')), 'busybox');
        const stat = fs.statSync(path.join(mounted, 'data/marker-link.txt'));
        assert.equal(stat.ino, fs.statSync(path.join(mounted, 'data/marker.txt')).ino, 'hardlinks stay hardlinks');
        assert.equal(fs.statSync(path.join(mounted, 'tmp')).mode & 0o7777, 0o1777);
        const run_ = await run(path.join(mounted, 'bin/busybox'), ['echo', 'runs']);
        assert.equal(run_.stdout, 'runs\n');
      } finally {
        await ok(berth(other, ['image', 'unmount', images[0]?.Id ?? '']));
      }
      assert.ok(!fs.readFileSync('/proc/mounts', 'utf8').includes(other), 'no mount left');
    });
  }
});
