import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tempRoot } from '../helpers/berth.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

describe('the docker CLI manages images through berth daemon', () => {
  const t = tempRoot('berth-e2e-docker-');
  let daemon: TestDaemon;
  let tarball = '';
  const docker = (args: string[], input?: Buffer): ReturnType<typeof run> =>
    run('docker', args, {
      env: { ...process.env, DOCKER_HOST: `unix://${daemon.socketPath}`, DOCKER_CONFIG: path.join(t.dir, 'docker-config') },
      ...(input ? { input } : {}),
    });

  before(async () => {
    ({ tarball } = await makeBusyboxRootfs(t.dir, 'via docker'));
    daemon = await startDaemon(t.dir);
  });
  after(async () => {
    await daemon?.stop();
    t.cleanup();
  });

  test('the daemon socket is root-only', () => {
    assert.equal(fs.statSync(daemon.socketPath).mode & 0o777, 0o660);
  });

  test('docker version and info talk to berth', async () => {
    const version = await docker(['version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), '1.51');
    const info = await docker(['info', '--format', '{{.DockerRootDir}}']);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stdout.trim(), path.join(t.dir, 'root'));
  });

  test('docker import, images, tag, inspect, save, rmi, load', async () => {
    const imported = await docker(['import', '--change', 'CMD ["sh"]', tarball, 'viadocker:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const id = imported.stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);

    const images = await docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(images.code, 0, images.stderr);
    assert.equal(images.stdout.trim(), `viadocker:1 ${id.slice(7, 19)}`);

    assert.equal((await docker(['tag', 'viadocker:1', 'viadocker:2'])).code, 0);
    const cmd = await docker(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{len .RepoTags}}', 'viadocker:2']);
    assert.equal(cmd.stdout.trim(), '["sh"] 2');

    const archive = path.join(t.dir, 'saved.tar');
    const saved = await docker(['save', '-o', archive, 'viadocker:1']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.ok(fs.statSync(archive).size > 1_000_000);

    const removed = await docker(['rmi', 'viadocker:1', 'viadocker:2']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Untagged: viadocker:1/);
    assert.match(removed.stdout, /Deleted: sha256:/);

    const missing = await docker(['image', 'inspect', 'viadocker:1']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image/);

    const loaded = await docker(['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: viadocker:1/);
    const again = await docker(['images', '-q']);
    assert.equal(again.stdout.trim(), id.slice(7, 19));
  });

  test('errors come back in Docker’s shape', async () => {
    const bad = await docker(['tag', 'viadocker:1', 'Bad/Name']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid reference/);
  });
});
