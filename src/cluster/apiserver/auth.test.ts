import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { authorize, forbiddenMessage, parseTokenFile, TokenFile, type UserInfo } from './auth.js';

test('the token file is made once, 0600, with an admin and a node token', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bauth-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = await TokenFile.loadOrCreate(dir);
  assert.equal(fs.statSync(first.path).mode & 0o777, 0o600);
  const again = await TokenFile.loadOrCreate(dir);
  assert.deepEqual(again.tokens, first.tokens);
  const admin = first.tokenFor('system:masters') ?? '';
  assert.deepEqual(first.authenticate(admin), { name: 'admin', groups: ['system:masters'] });
  assert.equal(first.authenticate(`${admin}x`), undefined);
  assert.equal(first.authenticate(''), undefined);
});

test('token file lines follow Kubernetes static token files; bad lines name their line', () => {
  assert.deepEqual(parseTokenFile('f', '# comment\nabc,bob,42,"g1,g2"\ndef,eve,43\n'), [
    { token: 'abc', user: 'bob', uid: '42', groups: ['g1', 'g2'] },
    { token: 'def', user: 'eve', uid: '43', groups: [] },
  ]);
  assert.throws(() => parseTokenFile('f', 'ok,u,1\nbroken\n'), /f:2: expected token,user,uid/);
});

test('authorisation separates admins, nodes, viewers and everyone else', () => {
  const admin: UserInfo = { name: 'a', groups: ['system:masters'] };
  const node: UserInfo = { name: 'system:node:n1', groups: ['system:nodes'] };
  const viewer: UserInfo = { name: 'v', groups: ['berth:viewers'] };
  const nobody: UserInfo = { name: 'x', groups: [] };
  const pods = { verb: 'delete', group: '', resource: 'pods', namespace: 'default', name: 'p' };
  assert.ok(authorize(admin, pods));
  assert.ok(authorize(node, pods));
  assert.ok(authorize(node, { verb: 'update', group: '', resource: 'pods', subresource: 'status', namespace: 'default' }));
  assert.ok(!authorize(node, { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'default' }));
  assert.ok(authorize(viewer, { verb: 'list', group: 'apps', resource: 'deployments' }));
  assert.ok(!authorize(viewer, { verb: 'get', group: '', resource: 'secrets', namespace: 'default' }));
  assert.ok(!authorize(viewer, pods));
  assert.ok(!authorize(nobody, { verb: 'list', group: '', resource: 'pods' }));
  assert.equal(forbiddenMessage(viewer, pods), 'pods "p" is forbidden: User "v" cannot delete resource "pods" in API group "" in the namespace "default"');
  assert.equal(forbiddenMessage(nobody, { verb: 'list', group: 'apps', resource: 'deployments' }), 'deployments.apps is forbidden: User "x" cannot list resource "deployments" in API group "apps" at the cluster scope');
});
