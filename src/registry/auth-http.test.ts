import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import bcrypt from 'bcryptjs';
import { isInvalidArgument } from '../lib/index.js';
import type { RegistryAuthConfig } from './auth/config.js';
import { startRegistryServer, type RunningRegistry } from './server.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function users(dir: string): Promise<string> {
  const file = join(dir, 'htpasswd');
  const alice = bcrypt.hashSync('alice-pw', 4).replace(/^\$2b\$/, '$2y$');
  await writeFile(file, `alice:${alice}\nreader:${bcrypt.hashSync('reader-pw', 4)}\n`);
  return file;
}

async function serve(t: TestContext, auth: (dir: string) => Promise<RegistryAuthConfig>): Promise<{ base: string; running: RunningRegistry; root: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-auth-'));
  const root = join(dir, 'root');
  const running = await startRegistryServer({ root, addr: '127.0.0.1:0', auth: await auth(dir) });
  t.after(async () => {
    await running.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { base: running.url, running, root };
}

interface ErrorBody {
  errors: Array<{ code: string; message: string; detail?: unknown }>;
}

async function assertUnauthorized(res: Response, challenge: string): Promise<void> {
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), challenge);
  assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const body = (await res.json()) as ErrorBody;
  assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');
}

describe('registry with htpasswd basic auth', () => {
  test('every endpoint, /v2/ included, answers 401 with the Basic challenge until the credentials are right', async (t) => {
    const { base } = await serve(t, async (dir) => ({ kind: 'htpasswd', file: await users(dir) }));
    const challenge = 'Basic realm="berth-registry"';
    await assertUnauthorized(await fetch(`${base}/v2/`), challenge);
    await assertUnauthorized(await fetch(`${base}/v2/a/b/tags/list`), challenge);
    await assertUnauthorized(await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST' }), challenge);
    await assertUnauthorized(await fetch(`${base}/v2/`, { headers: { Authorization: basic('alice', 'wrong') } }), challenge);
    await assertUnauthorized(await fetch(`${base}/v2/`, { headers: { Authorization: basic('nobody', 'alice-pw') } }), challenge);
    const ok = await fetch(`${base}/v2/`, { headers: { Authorization: basic('alice', 'alice-pw') } });
    assert.equal(ok.status, 200);
    const upload = await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic('alice', 'alice-pw') } });
    assert.equal(upload.status, 202);
  });

  test('a file with other hashes stops the start with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-auth-'));
    try {
      await writeFile(join(dir, 'htpasswd'), 'alice:$apr1$abcdefgh$0123456789abcdefghijkl\n');
      await assert.rejects(
        startRegistryServer({ root: join(dir, 'root'), addr: '127.0.0.1:0', auth: { kind: 'htpasswd', file: join(dir, 'htpasswd') } }),
        (err: unknown) => isInvalidArgument(err) && /bcrypt/.test((err as Error).message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('registry with token auth', () => {
  const tokenConfig = async (dir: string): Promise<RegistryAuthConfig> => ({ kind: 'token', usersFile: await users(dir), pullOnly: ['reader'] });

  async function token(base: string, scope: string, authorization?: string): Promise<Response> {
    const query = new URLSearchParams({ service: 'berth-registry', scope });
    return fetch(`${base}/token?${query.toString()}`, authorization ? { headers: { Authorization: authorization } } : {});
  }

  async function tokenFor(base: string, scope: string, authorization?: string): Promise<string> {
    const res = await token(base, scope, authorization);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    return body.token;
  }

  test('challenges name the realm, service and scope the request needs', async (t) => {
    const { base } = await serve(t, tokenConfig);
    const realm = `realm="${base}/token",service="berth-registry"`;
    await assertUnauthorized(await fetch(`${base}/v2/`), `Bearer ${realm}`);
    await assertUnauthorized(await fetch(`${base}/v2/a/b/manifests/1`), `Bearer ${realm},scope="repository:a/b:pull"`);
    await assertUnauthorized(await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST' }), `Bearer ${realm},scope="repository:a/b:pull,push"`);
    await assertUnauthorized(await fetch(`${base}/v2/_catalog`), `Bearer ${realm},scope="registry:catalog:*"`);
    await assertUnauthorized(await fetch(`${base}/v2/`, { headers: { Authorization: 'Bearer garbage' } }), `Bearer ${realm},error="invalid_token"`);
  });

  test('users get the scopes they may have; a token without the scope gets insufficient_scope', async (t) => {
    const { base } = await serve(t, tokenConfig);
    const realm = `realm="${base}/token",service="berth-registry"`;
    await assertUnauthorized(await token(base, 'repository:a/b:pull', basic('alice', 'nope')), 'Basic realm="berth-registry"');

    const writer = await tokenFor(base, 'repository:a/b:pull,push', basic('alice', 'alice-pw'));
    const bearer = (tok: string): RequestInit => ({ headers: { Authorization: `Bearer ${tok}` } });
    assert.equal((await fetch(`${base}/v2/`, bearer(writer))).status, 200);
    assert.equal((await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST', ...bearer(writer) })).status, 202);
    assert.equal((await fetch(`${base}/v2/a/b/tags/list`, bearer(writer))).status, 404);
    // Another repository is not covered.
    await assertUnauthorized(await fetch(`${base}/v2/a/c/tags/list`, bearer(writer)), `Bearer ${realm},scope="repository:a/c:pull",error="insufficient_scope"`);
    await assertUnauthorized(await fetch(`${base}/v2/_catalog`, bearer(writer)), `Bearer ${realm},scope="registry:catalog:*",error="insufficient_scope"`);
    const catalog = await tokenFor(base, 'registry:catalog:*', basic('alice', 'alice-pw'));
    assert.equal((await fetch(`${base}/v2/_catalog`, bearer(catalog))).status, 200);

    const reader = await tokenFor(base, 'repository:a/b:pull,push', basic('reader', 'reader-pw'));
    assert.equal((await fetch(`${base}/v2/a/b/tags/list`, bearer(reader))).status, 404);
    await assertUnauthorized(
      await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST', ...bearer(reader) }),
      `Bearer ${realm},scope="repository:a/b:pull,push",error="insufficient_scope"`,
    );

    // Anonymous clients get a token, but without --anonymous-pull it grants nothing.
    const anonymous = await tokenFor(base, 'repository:a/b:pull');
    await assertUnauthorized(await fetch(`${base}/v2/a/b/tags/list`, bearer(anonymous)), `Bearer ${realm},scope="repository:a/b:pull",error="insufficient_scope"`);
  });

  test('--anonymous-pull lets anonymous tokens pull, never push', async (t) => {
    const { base } = await serve(t, async () => ({ kind: 'token', anonymousPull: true }));
    const tok = await tokenFor(base, 'repository:a/b:pull,push');
    const claims = JSON.parse(Buffer.from(tok.split('.')[1] ?? '', 'base64url').toString()) as { access: unknown; aud: string };
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'a/b', actions: ['pull'] }]);
    assert.equal(claims.aud, 'berth-registry');
    assert.equal((await fetch(`${base}/v2/a/b/tags/list`, { headers: { Authorization: `Bearer ${tok}` } })).status, 404);
    assert.equal((await fetch(`${base}/v2/a/b/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${tok}` } })).status, 401);
  });

  test('the key is generated into the root at first start and kept across restarts', async (t) => {
    const { base, running, root } = await serve(t, tokenConfig);
    const keyFile = join(root, 'token-key.pem');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const tok = await tokenFor(base, 'repository:a/b:pull', basic('alice', 'alice-pw'));
    const pem = fs.readFileSync(keyFile, 'utf8');
    await running.close();
    const dir = join(root, '..');
    const again = await startRegistryServer({ root, addr: '127.0.0.1:0', auth: { kind: 'token', usersFile: join(dir, 'htpasswd') } });
    try {
      assert.equal(fs.readFileSync(keyFile, 'utf8'), pem);
      assert.equal((await fetch(`${again.url}/v2/a/b/tags/list`, { headers: { Authorization: `Bearer ${tok}` } })).status, 404);
    } finally {
      await again.close();
    }
  });
});
