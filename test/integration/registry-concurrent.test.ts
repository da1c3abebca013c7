import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ContentStore } from '../../src/content/index.js';
import { parseReference } from '../../src/oci/index.js';
import { pushImage, RegistryClient } from '../../src/registry/index.js';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const sha256 = (file: string): string => `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;

interface SkopeoInspect {
  Digest: string;
  Layers: string[];
}

describe('ten clients pushing the same image to berth registry at once', () => {
  const t = tempRoot('berth-reg-conc-it-');
  const registryRoot = path.join(t.dir, 'registry');
  const source = path.join(t.dir, 'src');
  const layout = path.join(t.dir, 'layout');
  const cliRoots = ['c1', 'c2', 'c3'].map((name) => path.join(t.dir, name));
  let registry: TestRegistry | undefined;
  let name = '';

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir, 'pushed ten times at once');
    registry = await startRegistry(registryRoot);
    name = `${registry.addr}/conc/img:1`;
    await ok(berth(source, ['image', 'import', tarball, name]));
    const archive = path.join(t.dir, 'img-oci.tar');
    await ok(berth(source, ['image', 'save', '--format', 'oci', '-o', archive, name]));
    fs.mkdirSync(layout);
    await ok(run('tar', ['-xf', archive, '-C', layout]));
    for (const root of cliRoots) await ok(berth(root, ['image', 'load', '-i', archive]));
  });

  after(async () => {
    await registry?.stop();
    t.cleanup();
  });

  test('every push succeeds, nothing is left half-stored, and after gc every digest pulls back', async () => {
    const addr = registry?.addr ?? '';
    const content = await ContentStore.open(source);
    const image = content.images.get(name);
    assert.ok(image, 'the source image is in the store');
    const inProcess = Array.from({ length: 5 }, (_, i) =>
      pushImage(new RegistryClient(addr, { lookup: () => undefined }), name, content, image.target, () => undefined, {
        // Some send the layer in small chunks, so several sessions append at once.
        ...(i % 2 === 0 ? { upload: { chunkThreshold: 64 * 1024, chunkBytes: 64 * 1024 } } : {}),
      }),
    );
    const cli = cliRoots.map((root) => ok(berth(root, ['push', name])));
    const skopeo = [0, 1].map(() =>
      ok(run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:${parseReference(name).tag ?? ''}`, `docker://${name}`])),
    );
    const results = await Promise.allSettled([...inProcess, ...cli, ...skopeo]);
    await content.close();
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failures, [], 'all ten pushes succeed');
    assert.deepEqual(fs.readdirSync(path.join(registryRoot, 'uploads')), [], 'no upload session is left behind');

    await registry?.stop();
    assert.match(await ok(berth(registryRoot, ['registry', 'gc'])), /removed \d+ blobs/);
    registry = await startRegistry(registryRoot);
    const again = `${registry.addr}/conc/img:1`;

    // skopeo reads every blob back; each file's hash is its name.
    const info = JSON.parse(await ok(run('skopeo', ['inspect', '--tls-verify=false', `docker://${again}`]))) as SkopeoInspect;
    const dir = path.join(t.dir, 'pulled');
    await ok(run('skopeo', ['copy', '--src-tls-verify=false', `docker://${again}`, `dir:${dir}`]));
    assert.equal(sha256(path.join(dir, 'manifest.json')), info.Digest);
    for (const file of fs.readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f))) assert.equal(sha256(path.join(dir, file)), `sha256:${file}`);
    assert.equal(info.Layers.length, 1);
    // berth verifies every digest as it pulls, and the image is the one pushed.
    const fresh = path.join(t.dir, 'fresh');
    await ok(berth(fresh, ['pull', again]));
    const id = (root: string, ref: string): Promise<string> =>
      ok(berth(root, ['image', 'inspect', ref])).then((out) => (JSON.parse(out) as Array<{ Id: string }>)[0]?.Id ?? '');
    assert.equal(await id(fresh, again), await id(source, name));
  });
});
