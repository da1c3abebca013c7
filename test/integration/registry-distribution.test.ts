import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { distributionSkipReason as skipReason, startDistribution, type Distribution } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface Inspected {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
}

describe('berth push and pull against distribution (Debian docker-registry)', { skip: skipReason }, () => {
  const t = tempRoot('berth-distribution-it-');
  const rootA = path.join(t.dir, 'a');
  const rootB = path.join(t.dir, 'b');
  const marker = 'pushed to distribution by berth';
  let registry: Distribution | undefined;
  let ref = '';
  const inspect = async (root: string, name: string): Promise<Inspected> =>
    (JSON.parse(await ok(berth(root, ['image', 'inspect', name]))) as Inspected[])[0] as Inspected;

  before(async () => {
    // Credentials files of this test only: nothing from the host's home is read or written.
    process.env['BERTH_CONFIG'] = path.join(t.dir, 'berth-auth.json');
    process.env['DOCKER_CONFIG'] = path.join(t.dir, 'docker-config');
    const { tarball } = await makeBusyboxRootfs(t.dir, marker);
    registry = await startDistribution(path.join(t.dir, 'distribution'));
    ref = `${registry.addr}/interop/bb:1`;
    await ok(berth(rootA, ['image', 'import', tarball, ref]));
  });

  after(async () => {
    await registry?.stop();
    if (ref) for (const root of [rootA, rootB]) await berth(root, ['image', 'unmount', ref]);
    t.cleanup();
  });

  test('push from one root, pull into a fresh one: same image, same files, same digest as skopeo sees', async () => {
    const pushed = await ok(berth(rootA, ['push', ref]));
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(pushed)?.[1];
    assert.ok(digest, `no digest in push output:\n${pushed}`);
    assert.match(await ok(berth(rootA, ['push', ref])), /Layer already exists/);

    const pulled = await ok(berth(rootB, ['pull', ref]));
    assert.match(pulled, /Status: Downloaded newer image for /);
    assert.equal(/Digest: (sha256:[0-9a-f]{64})/.exec(pulled)?.[1], digest);
    const a = await inspect(rootA, ref);
    const b = await inspect(rootB, ref);
    assert.equal(b.Id, a.Id);
    assert.deepEqual(b.RepoTags, [ref]);
    assert.deepEqual(b.RepoDigests, [`${registry?.addr}/interop/bb@${digest}`]);

    const mounted = (await ok(berth(rootB, ['image', 'mount', ref]))).trim();
    assert.equal(fs.readFileSync(path.join(mounted, 'data/marker.txt'), 'utf8'), marker + '\n');
    await ok(berth(rootB, ['image', 'unmount', ref]));

    const skopeo = JSON.parse(await ok(run('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]))) as { Digest: string };
    assert.equal(skopeo.Digest, digest);
  });

  test('a tag distribution does not have fails the pull and leaves nothing', async () => {
    const r = await berth(rootB, ['pull', `${registry?.addr}/interop/nothing:1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /MANIFEST_UNKNOWN|NAME_UNKNOWN|not found|unknown/i);
    const images = JSON.parse(await ok(berth(rootB, ['images', '--format', 'json']))) as Inspected[];
    assert.ok(images.every((i) => !i.RepoTags?.some((tag) => tag.includes('nothing'))));
  });
});
