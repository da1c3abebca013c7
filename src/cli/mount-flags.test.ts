import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseMountFlag, parseTmpfsFlags, splitVolumeFlags } from './mount-flags.js';

test('--mount: every field docker knows, quoted commas, volume by default', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/h,dst=/x,readonly,bind-propagation=rshared'), {
    Type: 'bind', Source: '/h', Target: '/x', ReadOnly: true, BindOptions: { Propagation: 'rshared' },
  });
  assert.deepEqual(parseMountFlag('source=data,target=/d,volume-nocopy,volume-label=a=b,"volume-opt=o=size=1m,uid=1"'), {
    Type: 'volume', Source: 'data', Target: '/d', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { o: 'size=1m,uid=1' } } },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770'), {
    Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 << 20, Mode: 0o1770 },
  });
  assert.equal(parseMountFlag('type=bind,source=rel/dir,target=/x').Source, path.resolve('rel/dir'));
  assert.equal(parseMountFlag('type=bind,source=/h,target=/x,ro=false').ReadOnly, false);
});

test('--mount: bad fields are refused naming them', () => {
  const cases: Array<[string, RegExp]> = [
    ['type=bind,source=/h', /target is required/],
    ['type=nfs,target=/x', /invalid value for 'type': "nfs"/],
    ['target=/x,size=1', /unexpected key 'size' in 'size=1'/],
    ['target', /invalid field 'target' must be a key=value pair/],
    ['target=/x,readonly=maybe', /invalid value for 'readonly': "maybe"/],
    ['type=tmpfs,target=/x,tmpfs-size=big', /invalid value for 'tmpfs-size': "big"/],
    ['type=tmpfs,target=/x,tmpfs-mode=99', /invalid value for 'tmpfs-mode': "99"/],
    ['type=volume,target=/x,bind-propagation=shared', /cannot mix 'bind-\*' options with mount type 'volume'/],
    ['type=bind,source=/h,target=/x,volume-nocopy', /cannot mix 'volume-\*' options with mount type 'bind'/],
    ['target=/x,volume-label=novalue', /invalid value for 'volume-label': "novalue"/],
    ['target=/x,"volume-opt=a', /unbalanced quotes/],
  ];
  for (const [value, message] of cases) assert.throws(() => parseMountFlag(value), { kind: 'invalid-argument', message }, value);
});

test('-v: a lone path is an anonymous volume, relative host paths become absolute', () => {
  assert.deepEqual(splitVolumeFlags(['/cache', 'data:/d:ro', '/h:/x', './rel:/r']), {
    volumes: ['/cache'],
    binds: ['data:/d:ro', '/h:/x', `${path.resolve('./rel')}:/r`],
  });
});

test('--tmpfs: destination with optional options', () => {
  assert.deepEqual(parseTmpfsFlags(['/run', '/t:size=1m,mode=700']), { '/run': '', '/t': 'size=1m,mode=700' });
  assert.throws(() => parseTmpfsFlags([':size=1m']), { kind: 'invalid-argument', message: /--tmpfs ":size=1m": a destination path is required/ });
});
