import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { podman } from '../helpers/podman.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function fails(result: Promise<RunResult>, pattern: RegExp): Promise<void> {
  const r = await result;
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(`${r.stdout}\n${r.stderr}`, pattern);
}

interface SkopeoInspect {
  Digest: string;
  Layers: string[];
}

describe('berth registry with authentication and TLS', () => {
  const t = tempRoot('berth-registry-auth-it-');
  // Credentials files of this test only: nothing from the host's home is read or written.
  const env = {
    BERTH_CONFIG: path.join(t.dir, 'berth-auth.json'),
    DOCKER_CONFIG: path.join(t.dir, 'docker-config'),
    REGISTRY_AUTH_FILE: path.join(t.dir, 'containers-auth.json'),
  };
  const registries: TestRegistry[] = [];
  const htpasswd = path.join(t.dir, 'htpasswd');
  let archive = '';

  const start = async (name: string, extra: string[] = []): Promise<TestRegistry> => {
    const r = await startRegistry(path.join(t.dir, name), extra);
    registries.push(r);
    return r;
  };

  /**
   * skopeo copies the archive in, reads it back into dir:, and checks both digests. `src` are
   * inspect's flags (`--creds`, `--tls-verify`, `--cert-dir`); copy takes them as `--src-…`.
   */
  async function roundTrip(ref: string, src: string[], dest: string[], name: string): Promise<void> {
    const copySrc = src.map((a) => a.replace(/^--/, '--src-'));
    await ok(run('skopeo', ['copy', ...dest, `docker-archive:${archive}`, ref]));
    const info = JSON.parse(await ok(run('skopeo', ['inspect', ...src, ref]))) as SkopeoInspect;
    const dir = path.join(t.dir, name);
    await ok(run('skopeo', ['copy', ...copySrc, ref, `dir:${dir}`]));
    const { createHash } = await import('node:crypto');
    const sha = (file: string): string => `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
    assert.equal(sha(path.join(dir, 'manifest.json')), info.Digest);
    assert.equal(info.Layers.length, 1);
    assert.equal(sha(path.join(dir, (info.Layers[0] ?? '').replace('sha256:', ''))), info.Layers[0]);
  }

  before(async () => {
    Object.assign(process.env, env);
    fs.writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}\n');
    const { tarball } = await makeBusyboxRootfs(t.dir, 'auth marker');
    await ok(berth(t.root, ['image', 'import', tarball, 'test/busybox:1']));
    archive = path.join(t.dir, 'busybox-docker.tar');
    await ok(berth(t.root, ['image', 'save', '-o', archive, 'test/busybox:1']));
    fs.writeFileSync(htpasswd, `alice:${bcrypt.hashSync('alice-pw', 5).replace(/^\$2b\$/, '$2y$')}\nreader:${bcrypt.hashSync('reader-pw', 5)}\n`);
  });

  after(async () => {
    for (const r of registries) await r.stop();
    await berth(t.root, ['image', 'unmount', 'test/busybox:1']);
    t.cleanup();
  });

  test('skopeo through htpasswd basic auth: refused without creds, round trip unchanged with them', async () => {
    const registry = await start('basic', ['--auth', `htpasswd:${htpasswd}`]);
    const ref = `docker://${registry.addr}/test/basic:1`;
    await fails(run('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, ref]), /unauthorized|authentication required|401/i);
    await fails(run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `docker-archive:${archive}`, ref]), /unauthorized|invalid username/i);
    await roundTrip(ref, ['--tls-verify=false', '--creds', 'alice:alice-pw'], ['--dest-tls-verify=false', '--dest-creds', 'alice:alice-pw'], 'basic-dir');
  });

  test('a registry with a non-bcrypt htpasswd file refuses to start', async () => {
    const bad = path.join(t.dir, 'htpasswd-md5');
    fs.writeFileSync(bad, 'alice:$apr1$abcdefgh$0123456789abcdefghijkl\n');
    const r = await berth(path.join(t.dir, 'bad'), ['registry', '--addr', '127.0.0.1:0', '--auth', `htpasswd:${bad}`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bcrypt/);
  });

  test('token auth: berth login, push and pull; a pull-only user cannot push', async () => {
    const registry = await start('token', ['--auth', 'token', '--auth-users', htpasswd, '--pull-only-users', 'reader']);
    const ref = `${registry.addr}/test/tok:1`;
    const rootA = path.join(t.dir, 'token-a');
    const rootB = path.join(t.dir, 'token-b');
    await ok(berth(rootA, ['image', 'load', '-i', archive]));
    await ok(berth(rootA, ['tag', 'test/busybox:1', ref]));
    await fails(berth(rootA, ['push', ref]), /unauthorized|authentication required|denied/i);
    await fails(berth(rootA, ['login', '-u', 'alice', '-p', 'wrong', registry.addr]), /unauthorized|invalid/i);
    assert.match(await ok(berth(rootA, ['login', '-u', 'alice', '--password-stdin', registry.addr], 'alice-pw\n')), /Login Succeeded/);
    assert.match(await ok(berth(rootA, ['push', ref])), /1: digest: sha256:[0-9a-f]{64}/);

    assert.match(await ok(berth(rootB, ['login', '-u', 'reader', '-p', 'reader-pw', registry.addr])), /Login Succeeded/);
    assert.match(await ok(berth(rootB, ['pull', ref])), /Pull complete|Downloaded newer image/);
    const id = async (root: string): Promise<string> => ((JSON.parse(await ok(berth(root, ['image', 'inspect', ref]))) as Array<{ Id: string }>)[0]?.Id ?? '');
    assert.equal(await id(rootB), await id(rootA));
    const other = `${registry.addr}/test/tok-by-reader:1`;
    await ok(berth(rootB, ['tag', ref, other]));
    await fails(berth(rootB, ['push', other]), /unauthorized|insufficient|denied|authentication required/i);
    await ok(berth(rootA, ['logout', registry.addr]));
  });

  test('podman push and pull: anonymous registry, htpasswd and token auth', async () => {
    const pm = podman(path.join(t.dir, 'podman'));
    const loaded = await ok(pm(['load', '-i', archive]));
    const local = /Loaded image(?:\(s\))?: (\S+)/.exec(loaded)?.[1] ?? '';
    assert.ok(local, loaded);
    const imageId = (await ok(pm(['image', 'inspect', '--format', '{{.Id}}', local]))).trim();
    const anonymous = await start('podman-anon');
    const basic = await start('podman-basic', ['--auth', `htpasswd:${htpasswd}`]);
    const token = await start('podman-token', ['--auth', 'token', '--auth-users', htpasswd]);
    for (const [registry, creds] of [[anonymous, []], [basic, ['--creds', 'alice:alice-pw']], [token, ['--creds', 'alice:alice-pw']]] as const) {
      const remote = `${registry.addr}/pod/bb:1`;
      if (creds.length > 0) await fails(pm(['push', '--tls-verify=false', local, `docker://${remote}`]), /unauthorized|authentication required|401/i);
      await ok(pm(['push', '--tls-verify=false', ...creds, local, `docker://${remote}`]));
      await ok(pm(['rmi', '-f', local]));
      if (creds.length > 0) await fails(pm(['pull', '--tls-verify=false', remote]), /unauthorized|authentication required|401/i);
      await ok(pm(['pull', '--tls-verify=false', ...creds, remote]));
      assert.equal((await ok(pm(['image', 'inspect', '--format', '{{.Id}}', remote]))).trim(), imageId);
      await ok(pm(['tag', remote, local]));
      await ok(pm(['rmi', remote]));
    }
  });

  test('TLS: skopeo copies over https with the self-signed certificate trusted, and not without it', async () => {
    const certDir = path.join(t.dir, 'certs');
    fs.mkdirSync(certDir);
    const key = path.join(t.dir, 'tls.key');
    const cert = path.join(t.dir, 'tls.crt');
    await ok(run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']));
    fs.copyFileSync(cert, path.join(certDir, 'ca.crt'));
    const registry = await start('tls', ['--tls-cert', cert, '--tls-key', key, '--auth', `htpasswd:${htpasswd}`]);
    assert.match(registry.url, /^https:\/\//);
    const ref = `docker://${registry.addr}/test/tls:1`;
    await fails(run('skopeo', ['copy', '--dest-creds', 'alice:alice-pw', `docker-archive:${archive}`, ref]), /certificate|x509/i);
    await roundTrip(ref, ['--cert-dir', certDir, '--creds', 'alice:alice-pw'], ['--dest-cert-dir', certDir, '--dest-creds', 'alice:alice-pw'], 'tls-dir');
    await ok(run('skopeo', ['inspect', '--tls-verify=false', '--creds', 'alice:alice-pw', ref]));
  });
});
