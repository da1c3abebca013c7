import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The registry address the daemon printed once it listens. */
async function registryAddr(daemon: TestDaemon): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = /registry \(root [^)]*\) listening on http:\/\/(\S+)/.exec(daemon.stderr());
    if (m?.[1]) return m[1];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the daemon printed no registry address: ${daemon.stderr()}`);
}

describe('berth daemon --registry: a registry in the daemon process', () => {
  const t = tempRoot('berth-reg-daemon-it-');
  const env = { BERTH_CONFIG: path.join(t.dir, 'berth-auth.json'), DOCKER_CONFIG: path.join(t.dir, 'docker-config') };
  const htpasswd = path.join(t.dir, 'htpasswd');
  const daemonDir = path.join(t.dir, 'dmn');
  const rootA = path.join(t.dir, 'a');
  let daemon: TestDaemon | undefined;
  let addr = '';
  let tarball = '';

  const start = async (): Promise<void> => {
    daemon = await startDaemon(daemonDir, ['--registry', '127.0.0.1:0', '--registry-auth', `htpasswd:${htpasswd}`]);
    addr = await registryAddr(daemon);
  };

  before(async () => {
    Object.assign(process.env, env);
    fs.writeFileSync(htpasswd, `alice:${bcrypt.hashSync('alice-pw', 5)}\n`);
    ({ tarball } = await makeBusyboxRootfs(t.dir, 'served by the daemon'));
    await start();
  });

  after(async () => {
    await daemon?.stop();
    t.cleanup();
  });

  test('flags without --registry, or a bad address, are refused before anything starts', async () => {
    const lone = await berth(path.join(t.dir, 'x'), ['daemon', '--registry-auth', `htpasswd:${htpasswd}`]);
    assert.notEqual(lone.code, 0);
    assert.match(lone.stderr, /--registry-auth needs --registry ADDR/);
    const bad = await berth(path.join(t.dir, 'x'), ['daemon', '--registry', 'nowhere']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid address "nowhere"/);
    const token = await berth(path.join(t.dir, 'x'), ['daemon', '--registry', '127.0.0.1:0', '--registry-token-realm', 'http://x/token']);
    assert.match(token.stderr, /--registry-token-realm needs --registry-auth token/);
  });

  test('push with berth, pull and push with docker through the daemon, served after a restart', async () => {
    const ref = `${addr}/team/bb:1`;
    await ok(berth(rootA, ['image', 'import', tarball, ref]));
    const anonymous = await berth(rootA, ['push', ref]);
    assert.notEqual(anonymous.code, 0, 'the registry wants credentials');
    assert.match(anonymous.stderr, /unauthorized/);
    await ok(berth(rootA, ['login', '-u', 'alice', '--password-stdin', addr], 'alice-pw\n'));
    assert.match(await ok(berth(rootA, ['push', ref])), /1: digest: sha256:/);
    const id = (JSON.parse(await ok(berth(rootA, ['image', 'inspect', ref]))) as Array<{ Id: string }>)[0]?.Id;

    // docker → berth daemon (engine) → the same process's registry, with docker's stored credentials.
    fs.mkdirSync(env.DOCKER_CONFIG, { recursive: true });
    const auth = Buffer.from('alice:alice-pw').toString('base64');
    fs.writeFileSync(path.join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({ auths: { [addr]: { auth } } }));
    const docker = (args: string[]): Promise<RunResult> =>
      run('docker', args, { env: { ...process.env, ...env, DOCKER_HOST: `unix://${daemon?.socketPath ?? ''}` } });
    assert.match(await ok(docker(['pull', ref])), /Digest: sha256:/);
    assert.equal((await ok(docker(['image', 'inspect', '--format', '{{.Id}}', ref]))).trim(), id);
    const copy = `${addr}/team/copy:2`;
    await ok(docker(['tag', ref, copy]));
    // The engine pulled these blobs from team/bb of this registry: they are mounted, not sent.
    assert.match(await ok(docker(['push', copy])), /Mounted from team\/bb/);

    // Stopped and started again (on another port): the registry's root kept what was pushed.
    await daemon?.stop();
    await start();
    const fresh = path.join(t.dir, 'b');
    await ok(berth(fresh, ['login', '-u', 'alice', '--password-stdin', addr], 'alice-pw\n'));
    await ok(berth(fresh, ['pull', `${addr}/team/copy:2`]));
    assert.equal((JSON.parse(await ok(berth(fresh, ['image', 'inspect', `${addr}/team/copy:2`]))) as Array<{ Id: string }>)[0]?.Id, id);
  });
});
