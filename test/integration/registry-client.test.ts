import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
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
