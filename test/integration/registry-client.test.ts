import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';
import { startFakeRegistry, type FakeRegistry } from '../../src/registry/client/fake-registry.js';

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

describe('berth pull and push against berth registry', () => {
  const t = tempRoot('berth-registry-client-it-');
  const rootA = path.join(t.dir, 'a');
  const rootB = path.join(t.dir, 'b');
  // Credentials files of this test only: nothing from the host's home is read or written.
  const env = { BERTH_CONFIG: path.join(t.dir, 'berth-auth.json'), DOCKER_CONFIG: path.join(t.dir, 'docker-config') };
  let registry: TestRegistry | undefined;
  let daemon: TestDaemon | undefined;
  let ref = '';
  const inspect = async (root: string, name: string): Promise<Inspected> =>
    (JSON.parse(await ok(berth(root, ['image', 'inspect', name]))) as Inspected[])[0] as Inspected;

  before(async () => {
    Object.assign(process.env, env);
    const { tarball } = await makeBusyboxRootfs(t.dir, 'pushed by berth');
    registry = await startRegistry(path.join(t.dir, 'registry'));
    ref = `${registry.addr}/test/bb:1`;
    await ok(berth(rootA, ['image', 'import', tarball, ref]));
  });

  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    for (const root of [rootA, rootB]) await berth(root, ['image', 'unmount', ref]);
    t.cleanup();
  });

  test('push from one root, pull into a fresh one: same image, same files', async () => {
    const pushed = await ok(berth(rootA, ['push', ref]));
    assert.match(pushed, /Pushed/);
    assert.match(pushed, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
    const again = await ok(berth(rootA, ['push', ref]));
    assert.match(again, /Layer already exists/);

    const pulled = await ok(berth(rootB, ['pull', ref]));
    assert.match(pulled, /Pull complete/);
    assert.match(pulled, /Status: Downloaded newer image for /);
    const a = await inspect(rootA, ref);
    const b = await inspect(rootB, ref);
    assert.equal(b.Id, a.Id);
    assert.deepEqual(b.RepoTags, [ref]);
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(pulled)?.[1];
    assert.deepEqual(b.RepoDigests, [`${registry?.addr}/test/bb@${digest}`]);
    // The repo digest resolves too.
    assert.equal((await inspect(rootB, `${registry?.addr}/test/bb@${digest}`)).Id, a.Id);

    const mounted = (await ok(berth(rootB, ['image', 'mount', ref]))).trim();
    assert.equal(fs.readFileSync(path.join(mounted, 'data/marker.txt'), 'utf8'), 'pushed by berth\n');
    await ok(berth(rootB, ['image', 'unmount', ref]));

    const upToDate = await ok(berth(rootB, ['pull', ref]));
    assert.match(upToDate, /Status: Image is up to date/);
  });

  test('pulling what the registry does not have fails with its error and leaves nothing', async () => {
    const r = await berth(rootB, ['pull', `${registry?.addr}/test/nothing:1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /MANIFEST_UNKNOWN|not found|unknown/i);
    const images = JSON.parse(await ok(berth(rootB, ['images', '--format', 'json']))) as Inspected[];
    assert.ok(images.every((i) => !i.RepoTags?.some((tag) => tag.includes('nothing'))));
  });

  /** Copies test/bb:1 from berth registry into an in-test fake as `repo:1`; returns the layer digests. */
  async function copyToFake(fake: FakeRegistry, repo: string): Promise<string[]> {
    const base = `http://${registry?.addr}/v2/test/bb`;
    const manifestRes = await fetch(`${base}/manifests/1`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    const manifestBytes = Buffer.from(await manifestRes.arrayBuffer());
    const manifest = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    fake.manifests.set(`${repo}:1`, { bytes: manifestBytes, mediaType: manifestRes.headers.get('content-type') ?? '' });
    for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      fake.blobs.set(digest, Buffer.from(await (await fetch(`${base}/blobs/${digest}`)).arrayBuffer()));
    }
    return manifest.layers.map((l) => l.digest);
  }

  test('login checks and stores credentials; pull then answers a Bearer challenge with them', async () => {
    const fake = await startFakeRegistry({ bearer: { username: 'alice', password: 's3cret' } });
    try {
      await copyToFake(fake, 'private/bb');
      const fresh = path.join(t.dir, 'd');
      const denied = await berth(fresh, ['login', '-u', 'alice', '-p', 'wrong', fake.host]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /unauthorized/);
      assert.equal(fs.existsSync(env.BERTH_CONFIG), false, 'nothing stored for a failed login');
      assert.notEqual((await berth(fresh, ['pull', `${fake.host}/private/bb:1`])).code, 0, 'anonymous pull is refused');

      assert.match(await ok(berth(fresh, ['login', '-u', 'alice', '--password-stdin', fake.host], 's3cret\n')), /Login Succeeded/);
      assert.equal(fs.statSync(env.BERTH_CONFIG).mode & 0o777, 0o600);
      await ok(berth(fresh, ['pull', `${fake.host}/private/bb:1`]));
      assert.equal((await inspect(fresh, `${fake.host}/private/bb:1`)).Id, (await inspect(rootA, ref)).Id);
      assert.ok(fake.tokenRequests.some((r) => r.query.getAll('scope').includes('repository:private/bb:pull')));

      assert.match(await ok(berth(fresh, ['logout', fake.host])), /Removing login credentials/);
      assert.deepEqual((JSON.parse(fs.readFileSync(env.BERTH_CONFIG, 'utf8')) as { auths: object }).auths, {});
    } finally {
      await fake.close();
    }
  });

  test('a layer that does not match its digest is refused and leaves no image', async () => {
    const fake = await startFakeRegistry();
    try {
      const [layer = ''] = await copyToFake(fake, 'evil/bb');
      const evil = Buffer.from(fake.blobs.get(layer) ?? Buffer.alloc(0));
      evil[evil.length - 1] = (evil[evil.length - 1] ?? 0) ^ 0xff;
      fake.corrupt.set(layer, evil);
      const fresh = path.join(t.dir, 'c');
      const r = await berth(fresh, ['pull', `${fake.host}/evil/bb:1`]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /digest/i);
      const images = JSON.parse(await ok(berth(fresh, ['images', '--format', 'json']))) as Inspected[];
      assert.deepEqual(images, []);
    } finally {
      await fake.close();
    }
  });

  test('docker pull and docker push through berth daemon', async () => {
    daemon = await startDaemon(path.join(t.dir, 'daemon'));
    const socket = daemon.socketPath;
    const docker = (args: string[]): Promise<RunResult> =>
      run('docker', args, { env: { ...process.env, ...env, DOCKER_HOST: `unix://${socket}` } });
    const pulled = await ok(docker(['pull', ref]));
    assert.match(pulled, /Digest: sha256:/);
    const id = (await ok(docker(['image', 'inspect', '--format', '{{.Id}}', ref]))).trim();
    assert.equal(id, (await inspect(rootA, ref)).Id);

    const other = `${registry?.addr}/test/viadocker:2`;
    await ok(docker(['tag', ref, other]));
    const pushed = await ok(docker(['push', other]));
    assert.match(pushed, /2: digest: sha256:[0-9a-f]{64} size: \d+/);
    // What docker pushed is pullable by berth.
    await ok(berth(rootB, ['pull', other]));
    assert.equal((await inspect(rootB, other)).Id, id);
  });
});
