import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransferEvent } from '../../engine/index.js';
import { pullMessages, pullReference, pushMessages, registryAuthOf } from './image-transfer.js';

const layer = 'sha256:0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef';
const manifest = 'sha256:ffffffffffff0123456789ab0123456789ab0123456789ab0123456789abcdef';

test('X-Registry-Auth: base64url JSON, empty means none', () => {
  const header = Buffer.from(JSON.stringify({ username: 'a', password: 'p?>~', serveraddress: 'h' })).toString('base64url');
  assert.deepEqual(registryAuthOf(header), { username: 'a', password: 'p?>~', serveraddress: 'h' });
  assert.equal(registryAuthOf(undefined), undefined);
  assert.equal(registryAuthOf(Buffer.from('{}').toString('base64')), undefined);
});

test('fromImage and tag make one reference (a tag or a digest)', () => {
  assert.equal(pullReference('busybox', 'latest'), 'busybox:latest');
  assert.equal(pullReference('busybox', manifest), `busybox@${manifest}`);
  assert.equal(pullReference('h:5000/a', null), 'h:5000/a');
});

test('pull events become Docker progress messages', () => {
  const m = pullMessages('busybox:latest');
  const events: TransferEvent[] = [
    { kind: 'start', repository: 'library/busybox', tag: 'latest' },
    { kind: 'blob', digest: layer, phase: 'waiting', current: 0, total: 10, isConfig: false },
    { kind: 'blob', digest: manifest, phase: 'downloading', current: 1, total: 2, isConfig: true },
    { kind: 'blob', digest: layer, phase: 'downloading', current: 5, total: 10, isConfig: false },
    { kind: 'blob', digest: layer, phase: 'complete', current: 10, total: 10, isConfig: false },
    { kind: 'done', digest: manifest, size: 100, reference: 'docker.io/library/busybox:latest' },
  ];
  assert.deepEqual([...events.flatMap((e) => m.message(e)), ...m.final()], [
    { status: 'Pulling from library/busybox', id: 'latest' },
    { status: 'Pulling fs layer', progressDetail: {}, id: '0123456789ab' },
    { status: 'Downloading', progressDetail: { current: 5, total: 10 }, id: '0123456789ab' },
    { status: 'Download complete', progressDetail: {}, id: '0123456789ab' },
    { status: 'Pull complete', progressDetail: {}, id: '0123456789ab' },
    { status: `Digest: ${manifest}` },
    { status: 'Status: Downloaded newer image for busybox:latest' },
  ]);
});

test('push events become Docker progress messages', () => {
  const m = pushMessages('127.0.0.1:5000/test/bb:1');
  assert.deepEqual(m.message({ kind: 'start', repository: 'test/bb', tag: '1' }), [
    { status: 'The push refers to repository [127.0.0.1:5000/test/bb]' },
  ]);
  assert.deepEqual(m.message({ kind: 'blob', digest: layer, phase: 'exists', current: 10, total: 10, isConfig: false }), [
    { status: 'Layer already exists', progressDetail: {}, id: '0123456789ab' },
  ]);
  assert.deepEqual(m.message({ kind: 'done', digest: manifest, size: 527, reference: 'x' }), [
    { status: `1: digest: ${manifest} size: 527` },
    { progressDetail: {}, aux: { Tag: '1', Digest: manifest, Size: 527 } },
  ]);
});
