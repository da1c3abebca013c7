import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { berth, run, tempRoot } from '../helpers/berth.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const sha256 = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('berth registry serves skopeo', () => {
  const t = tempRoot('berth-registry-it-');
  let registry: TestRegistry | undefined;
  let addr = '';
  let archive = '';

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir, 'registry marker');
    await ok(berth(t.root, ['image', 'import', tarball, 'test/busybox:1']));
    archive = path.join(t.dir, 'busybox-docker.tar');
    await ok(berth(t.root, ['image', 'save', '-o', archive, 'test/busybox:1']));
    registry = await startRegistry(path.join(t.dir, 'registry'));
    addr = registry.addr;
  });

  after(async () => {
    await registry?.stop();
    t.cleanup();
  });

  test('push, inspect, pull back byte-identical, list tags', async () => {
    const ref = `docker://${addr}/test/busybox:1`;
    await ok(run('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, ref]));
    const raw = await ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref]));
    const info = JSON.parse(await ok(run('skopeo', ['inspect', '--tls-verify=false', ref]))) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, sha256(raw));
    assert.equal(info.Layers.length, 1);

    // dir: keeps the manifest as served, so its digest must be what was pushed.
    const dir = path.join(t.dir, 'pulled-dir');
    await ok(run('skopeo', ['copy', '--src-tls-verify=false', ref, `dir:${dir}`]));
    assert.equal(sha256(fs.readFileSync(path.join(dir, 'manifest.json'))), info.Digest);
    const layerHex = (info.Layers[0] ?? '').replace('sha256:', '');
    assert.equal(sha256(fs.readFileSync(path.join(dir, layerHex))), info.Layers[0]);

    const oci = path.join(t.dir, 'pulled-oci.tar');
    await ok(run('skopeo', ['copy', '--src-tls-verify=false', ref, `oci-archive:${oci}`]));
    const fromArchive = JSON.parse(await ok(run('skopeo', ['inspect', `oci-archive:${oci}`]))) as { Layers: string[] };
    assert.deepEqual(fromArchive.Layers, info.Layers);

    const tags = JSON.parse(await ok(run('skopeo', ['list-tags', '--tls-verify=false', `docker://${addr}/test/busybox`]))) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['1']);
  });

  test('copy between repositories of the registry keeps the digest', async () => {
    const src = `docker://${addr}/test/busybox:1`;
    const dst = `docker://${addr}/other/busybox:2`;
    await ok(run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests', src, dst]));
    const a = JSON.parse(await ok(run('skopeo', ['inspect', '--tls-verify=false', src]))) as { Digest: string };
    const b = JSON.parse(await ok(run('skopeo', ['inspect', '--tls-verify=false', dst]))) as { Digest: string };
    assert.equal(b.Digest, a.Digest);
  });

  test('a zstd OCI push round-trips', async () => {
    // Compress to an archive first: pushing with --preserve-digests then keeps skopeo from
    // substituting the gzip layer it already knows the registry holds.
    const zstd = path.join(t.dir, 'busybox-zstd.tar');
    await ok(run('skopeo', ['copy', '--dest-compress', '--dest-compress-format', 'zstd', `docker-archive:${archive}`, `oci-archive:${zstd}`]));
    const ref = `docker://${addr}/test/zstd:1`;
    await ok(run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci-archive:${zstd}`, ref]));
    const raw = await ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref]));
    const manifest = JSON.parse(raw) as { mediaType: string; layers: Array<{ mediaType: string }> };
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const dir = path.join(t.dir, 'zstd-dir');
    await ok(run('skopeo', ['copy', '--src-tls-verify=false', ref, `dir:${dir}`]));
    assert.equal(sha256(fs.readFileSync(path.join(dir, 'manifest.json'))), sha256(raw));
  });
});
