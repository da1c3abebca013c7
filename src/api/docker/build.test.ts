import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOptionsOf, commitConfigOf, registryConfigOf } from './build.js';

test('POST /build query parameters', () => {
  const q = new URLSearchParams();
  for (const t of ['a:1', 'b']) q.append('t', t);
  q.set('dockerfile', 'sub/Dockerfile.dev');
  q.set('buildargs', JSON.stringify({ A: '1', FROM_ENV: null }));
  q.set('labels', JSON.stringify({ l: 'v' }));
  q.set('target', 'build');
  q.set('nocache', '1');
  q.set('rm', '0');
  q.set('forcerm', '1');
  q.set('networkmode', 'host');
  assert.deepEqual(buildOptionsOf(q), {
    tags: ['a:1', 'b'],
    buildArgs: { A: '1' },
    labels: { l: 'v' },
    noCache: true,
    pull: false,
    remove: false,
    forceRemove: true,
    dockerfile: 'sub/Dockerfile.dev',
    target: 'build',
    networkMode: 'host',
  });
  assert.deepEqual(buildOptionsOf(new URLSearchParams('memory=67108864&memswap=-1&cpushares=0')).resources, { memory: 67108864, memorySwap: -1 });
  assert.throws(() => buildOptionsOf(new URLSearchParams('memory=lots')), /memory/);
  const defaults = buildOptionsOf(new URLSearchParams('networkmode=default'));
  assert.equal(defaults.remove, true);
  assert.equal(defaults.networkMode, undefined);
  assert.throws(() => buildOptionsOf(new URLSearchParams('buildargs={bad')), /buildargs: invalid JSON/);
  assert.throws(() => buildOptionsOf(new URLSearchParams('labels=[1]')), /labels: expected a JSON object/);
  assert.throws(() => buildOptionsOf(new URLSearchParams('remote=https://example.invalid/x.git')), /remote build contexts are not supported/);
  assert.throws(() => buildOptionsOf(new URLSearchParams('version=2')), /BuildKit/);
});

test('X-Registry-Config: registry → credentials, anything undecodable ignored', () => {
  const header = Buffer.from(JSON.stringify({ '127.0.0.1:5000': { username: 'u', password: 'p' }, 'https://index.docker.io/v1/': { identitytoken: 't' }, bad: 3 })).toString('base64url');
  assert.deepEqual(registryConfigOf(header), { '127.0.0.1:5000': { username: 'u', password: 'p' }, 'https://index.docker.io/v1/': { identitytoken: 't' } });
  assert.deepEqual(registryConfigOf('%%%'), {});
  assert.deepEqual(registryConfigOf(undefined), {});
});

test('POST /commit body: the settings it may override', () => {
  assert.deepEqual(commitConfigOf(null), {});
  assert.deepEqual(
    commitConfigOf({ Cmd: ['run'], Env: ['A=1'], User: 'app', ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' }, Hostname: 'ignored', Entrypoint: null }),
    { Cmd: ['run'], Env: ['A=1'], User: 'app', ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' } },
  );
  assert.throws(() => commitConfigOf({ Cmd: 'run' }), /Cmd must be a list of strings/);
  assert.throws(() => commitConfigOf({ Labels: { a: 1 } }), /Labels must map strings to strings/);
});
