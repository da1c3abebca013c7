import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Metadata } from '../../content/index.js';
import { LocalVolumeService } from './service.js';
import { ANONYMOUS_LABEL } from './types.js';

let dir = '';
let metadata: Metadata;
let volumes: LocalVolumeService;
let users = new Map<string, string[]>();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vol-'));
  metadata = Metadata.open(path.join(dir, 'metadata.db'));
  volumes = await LocalVolumeService.open(dir, metadata);
  volumes.setContainerUsers(() => users);
});

after(() => {
  metadata.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('create: a directory with _data and a row; the same name again returns the volume', async () => {
  const v = await volumes.create({ name: 'data1', labels: { team: 'a' } });
  assert.equal(v.mountpoint, path.join(dir, 'volumes', 'data1', '_data'));
  assert.ok(fs.statSync(v.mountpoint).isDirectory());
  assert.equal(fs.statSync(v.mountpoint).mode & 0o777, 0o755);
  assert.deepEqual({ driver: v.driver, labels: v.labels, options: v.options, anonymous: v.anonymous, scope: v.scope }, { driver: 'local', labels: { team: 'a' }, options: null, anonymous: false, scope: 'local' });
  fs.writeFileSync(path.join(v.mountpoint, 'kept'), 'x');
  const again = await volumes.create({ name: 'data1' });
  assert.deepEqual(again.labels, { team: 'a' });
  assert.ok(fs.existsSync(path.join(v.mountpoint, 'kept')));
  assert.equal((await volumes.get('data1')).created.getTime(), v.created.getTime());
});

test('create without a name: 64 hex characters, anonymous', async () => {
  const v = await volumes.create();
  assert.match(v.name, /^[0-9a-f]{64}$/);
  assert.equal(v.anonymous, true);
  assert.deepEqual(v.labels, { [ANONYMOUS_LABEL]: '' });
  await volumes.remove(v.name);
});

test('create refuses bad names, drivers and options naming them', async () => {
  await assert.rejects(volumes.create({ name: 'x' }), { kind: 'invalid-argument', message: /too short/ });
  await assert.rejects(volumes.create({ name: '../etc' }), { kind: 'invalid-argument', message: /"\.\.\/etc" includes invalid characters/ });
  await assert.rejects(volumes.create({ name: 'ok1', driver: 'nfs' }), { kind: 'invalid-argument', message: /volume driver "nfs" is not supported/ });
  await assert.rejects(volumes.create({ name: 'ok1', options: { colour: 'blue' } }), { kind: 'invalid-argument', message: /invalid option: "colour"/ });
  await assert.rejects(volumes.create({ name: 'ok1', options: { type: 'tmpfs' } }), { kind: 'invalid-argument', message: 'missing required option: "device"' });
  await assert.rejects(volumes.create({ name: 'ok1', options: { o: 'size=1m', device: 'tmpfs' } }), { kind: 'invalid-argument', message: /missing required option: "type"/ });
  await assert.rejects(volumes.create({ name: 'ok1', options: { size: '10m' } }), { kind: 'invalid-argument', message: /no quota support/ });
  await assert.rejects(volumes.create({ name: 'ok1', options: { type: 'nfs', device: ':/export', o: 'addr=10.0.0.1' } }), { kind: 'invalid-argument', message: /network file systems are not supported/ });
  assert.equal(fs.existsSync(path.join(dir, 'volumes', 'ok1')), false);
});

test('list filters: dangling, label, name, driver', async () => {
  await volumes.create({ name: 'flt-a', labels: { env: 'prod', tier: 'db' } });
  await volumes.create({ name: 'flt-b', labels: { env: 'dev' } });
  users = new Map([['flt-a', ['c1']]]);
  try {
    const names = async (f: Parameters<LocalVolumeService['list']>[0]): Promise<string[]> => (await volumes.list(f)).map((v) => v.name).filter((n) => n.startsWith('flt-'));
    assert.deepEqual(await names({ dangling: true }), ['flt-b']);
    assert.deepEqual(await names({ dangling: false }), ['flt-a']);
    assert.deepEqual(await names({ labels: ['env'] }), ['flt-a', 'flt-b']);
    assert.deepEqual(await names({ labels: ['env=prod', 'tier'] }), ['flt-a']);
    assert.deepEqual(await names({ notLabels: ['env=prod'] }), ['flt-b']);
    assert.deepEqual(await names({ names: ['t-b'] }), ['flt-b']);
    assert.deepEqual(await names({ names: ['^flt-.$'] }), ['flt-a', 'flt-b']);
    assert.deepEqual(await names({ drivers: ['other'] }), []);
  } finally {
    users = new Map();
    await volumes.remove('flt-a');
    await volumes.remove('flt-b');
  }
});

test('remove: refused while a container or a reservation holds it; force forgives only a missing volume', async () => {
  await volumes.create({ name: 'busy' });
  users = new Map([['busy', ['abc123']]]);
  await assert.rejects(volumes.remove('busy', { force: true }), { kind: 'conflict', message: 'remove busy: volume is in use - [abc123]' });
  users = new Map();
  const release = volumes.reserve(['busy'], 'pending');
  await assert.rejects(volumes.remove('busy'), { kind: 'conflict', message: /\[pending\]/ });
  release();
  await volumes.remove('busy');
  assert.equal(fs.existsSync(path.join(dir, 'volumes', 'busy')), false);
  await assert.rejects(volumes.get('busy'), { kind: 'not-found', message: 'get busy: no such volume' });
  await assert.rejects(volumes.remove('busy'), { kind: 'not-found' });
  await volumes.remove('busy', { force: true });
});

test('prune: anonymous unused volumes only, unless all; the space they held', async () => {
  const anon = await volumes.create();
  const usedAnon = await volumes.create({ name: 'f'.repeat(64), labels: { [ANONYMOUS_LABEL]: '' } });
  await volumes.create({ name: 'named-keep' });
  fs.writeFileSync(path.join(anon.mountpoint, 'f'), Buffer.alloc(1000));
  users = new Map([[usedAnon.name, ['c9']]]);
  try {
    const first = await volumes.prune();
    assert.deepEqual(first.deleted, [anon.name]);
    assert.equal(first.spaceReclaimed, 1000);
    const all = await volumes.prune({ all: true });
    assert.ok(all.deleted.includes('named-keep'));
    assert.ok(!all.deleted.includes(usedAnon.name));
  } finally {
    users = new Map();
    await volumes.remove(usedAnon.name);
  }
  const rest = (await volumes.list()).map((v) => v.name);
  assert.ok(!rest.includes('named-keep'));
});

test('open sweeps what a crash left: a half-made create and a directory without a row', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vol-crash-'));
  const db = Metadata.open(path.join(root, 'metadata.db'));
  try {
    const first = await LocalVolumeService.open(root, db);
    await first.create({ name: 'real' });
    fs.mkdirSync(path.join(root, 'volumes', '.creating-0123', '_data'), { recursive: true });
    fs.mkdirSync(path.join(root, 'volumes', 'renamed-not-registered', '_data'), { recursive: true });
    const reopened = await LocalVolumeService.open(root, db);
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')), ['real']);
    assert.deepEqual((await reopened.list()).map((v) => v.name), ['real']);
    // A name left behind by a crash can be created afresh.
    fs.mkdirSync(path.join(root, 'volumes', 'again', '_data', 'junk'), { recursive: true });
    const fresh = await LocalVolumeService.open(root, db);
    await fresh.create({ name: 'again' });
    assert.deepEqual(fs.readdirSync((await fresh.get('again')).mountpoint), []);
  } finally {
    db.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
