import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { berthBin, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('docker login, push and pull through berth daemon against an authenticating berth registry', () => {
  const t = tempRoot('berth-e2e-login-');
  const dockerConfig = path.join(t.dir, 'docker-config');
  const htpasswd = path.join(t.dir, 'htpasswd');
  const registries: TestRegistry[] = [];
  let daemon: TestDaemon | undefined;
  let tarball = '';
  const docker = (args: string[], input?: string): Promise<RunResult> =>
    run('docker', args, {
      env: { ...process.env, DOCKER_HOST: `unix://${daemon?.socketPath ?? ''}`, DOCKER_CONFIG: dockerConfig },
      ...(input === undefined ? {} : { input }),
    });
  const storedAuths = (): Record<string, { auth?: string }> =>
    (JSON.parse(fs.readFileSync(path.join(dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths ?? {};

  before(async () => {
    fs.writeFileSync(htpasswd, `alice:${bcrypt.hashSync('alice-pw', 5)}\n`);
    ({ tarball } = await makeBusyboxRootfs(t.dir, 'logged in'));
    daemon = await startDaemon(path.join(t.dir, 'dmn'));
  });
  after(async () => {
    await daemon?.stop();
    for (const registry of registries) await registry.stop();
    t.cleanup();
  });

  for (const [kind, flags] of [
    ['htpasswd basic auth', ['--auth', `htpasswd:${htpasswd}`]],
    ['Bearer tokens', ['--auth', 'token', '--auth-users', htpasswd]],
  ] as const) {
    test(`${kind}: a wrong password is refused with Docker's message; the right one logs in, push and pull work`, async () => {
      const registry = await startRegistry(path.join(t.dir, `reg-${registries.length}`), [...flags]);
      registries.push(registry);
      const addr = registry.addr;

      const wrong = await docker(['login', '-u', 'alice', '--password-stdin', addr], 'nope\n');
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, new RegExp(`Error response from daemon: login attempt to http://${addr}/v2/ failed with status: 401 Unauthorized`));
      assert.equal(fs.existsSync(path.join(dockerConfig, 'config.json')) ? storedAuths()[addr] : undefined, undefined);

      assert.match(await ok(docker(['login', '-u', 'alice', '--password-stdin', addr], 'alice-pw\n')), /Login Succeeded/);
      assert.equal(Buffer.from(storedAuths()[addr]?.auth ?? '', 'base64').toString(), 'alice:alice-pw');

      const ref = `${addr}/alice/bb:1`;
      await ok(run(process.execPath, [berthBin, '--host', `unix://${daemon?.socketPath ?? ''}`, 'image', 'import', tarball, ref]));
      assert.match(await ok(docker(['push', ref])), /1: digest: sha256:[0-9a-f]{64}/);
      const id = (await ok(docker(['image', 'inspect', '--format', '{{.Id}}', ref]))).trim();
      await ok(docker(['rmi', ref]));
      assert.match(await ok(docker(['pull', ref])), /Downloaded newer image/);
      assert.equal((await ok(docker(['image', 'inspect', '--format', '{{.Id}}', ref]))).trim(), id);
      await ok(docker(['rmi', ref]));

      await ok(docker(['logout', addr]));
      const anonymous = await docker(['pull', ref]);
      assert.notEqual(anonymous.code, 0, 'without the stored credentials the pull is refused');
      assert.match(anonymous.stderr, /unauthorized/i);
    });
  }
});
