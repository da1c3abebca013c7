import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCreateRequest } from './container-create.js';

test('mount fields: Binds, Mounts, Tmpfs, VolumesFrom and Config.Volumes reach the engine as given', () => {
  const request = parseCreateRequest(
    {
      Image: 'img',
      Volumes: { '/anon': {} },
      HostConfig: {
        Binds: ['data:/data:ro', '/host:/h'],
        Mounts: [
          { Type: 'bind', Source: '/src', Target: '/dst', ReadOnly: true, BindOptions: { Propagation: 'rshared', NonRecursive: true } },
          { Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } } } },
          { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777, Options: [['exec']] } },
        ],
        Tmpfs: { '/run': 'size=1m' },
        VolumesFrom: ['other:ro'],
      },
    },
    null,
  );
  assert.deepEqual(request, {
    image: 'img',
    binds: ['data:/data:ro', '/host:/h'],
    mounts: [
      { type: 'bind', source: '/src', target: '/dst', readOnly: true, bindOptions: { propagation: 'rshared', nonRecursive: true } },
      { type: 'volume', source: 'v', target: '/v', volumeOptions: { noCopy: true, labels: { a: 'b' }, driverConfig: { name: 'local', options: { type: 'tmpfs' } } } },
      { type: 'tmpfs', target: '/t', tmpfsOptions: { sizeBytes: 1048576, mode: 0o1777, options: [['exec']] } },
    ],
    tmpfs: { '/run': 'size=1m' },
    volumesFrom: ['other:ro'],
    volumes: ['/anon'],
  });
  // Empty lists and maps mean "not set", as in Go.
  assert.deepEqual(parseCreateRequest({ Image: 'img', Volumes: {}, HostConfig: { Binds: [], Mounts: null, Tmpfs: {} } }, null), { image: 'img' });
});

test('bad mount fields are refused naming them', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ Binds: 'data:/d' }, /invalid HostConfig\.Binds: expected an array of strings/],
    [{ Mounts: [{ Type: 'bind' }, 'x'] }, /invalid HostConfig\.Mounts\[1\]: expected an object/],
    [{ Mounts: [{ Type: 'npipe', Target: '/x' }] }, /invalid HostConfig\.Mounts\[0\]\.Type: mount type "npipe" is not supported/],
    [{ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Subpath: 'a' } }] }, /HostConfig\.Mounts\[0\]\.VolumeOptions\.Subpath/],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/x', TmpfsOptions: { SizeBytes: '1m' } }] }, /invalid HostConfig\.Mounts\[0\]\.TmpfsOptions\.SizeBytes: expected an integer/],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/x', TmpfsOptions: { Options: ['exec'] } }] }, /invalid HostConfig\.Mounts\[0\]\.TmpfsOptions\.Options: expected an array of string arrays/],
    [{ Tmpfs: ['/t'] }, /invalid HostConfig\.Tmpfs: expected an object of strings/],
    [{ VolumesFrom: [1] }, /invalid HostConfig\.VolumesFrom: expected an array of strings/],
  ];
  for (const [host, message] of cases) {
    assert.throws(() => parseCreateRequest({ Image: 'img', HostConfig: host }, null), { kind: 'invalid-argument', message }, JSON.stringify(host));
  }
  assert.throws(() => parseCreateRequest({ Image: 'img', Volumes: ['/x'] }, null), { kind: 'invalid-argument', message: /invalid Volumes: expected an object/ });
});
