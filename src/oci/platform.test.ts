import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Descriptor } from './descriptor.js';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
  type Platform,
} from './platform.js';

const linuxAmd64: Platform = { os: 'linux', architecture: 'amd64' };

test('hostPlatform maps Node arch and platform names to image platforms', () => {
  const table: Array<[string, string, Platform, string?]> = [
    ['x64', 'linux', { os: 'linux', architecture: 'amd64' }],
    ['arm64', 'linux', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['arm', 'linux', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['arm', 'linux', { os: 'linux', architecture: 'arm', variant: 'v6' }, '6'],
    ['ia32', 'linux', { os: 'linux', architecture: '386' }],
    ['ppc64', 'linux', { os: 'linux', architecture: 'ppc64le' }],
    ['s390x', 'linux', { os: 'linux', architecture: 's390x' }],
    ['riscv64', 'linux', { os: 'linux', architecture: 'riscv64' }],
    ['mipsel', 'linux', { os: 'linux', architecture: 'mipsle' }],
    ['x64', 'win32', { os: 'windows', architecture: 'amd64' }],
    ['arm64', 'darwin', { os: 'darwin', architecture: 'arm64', variant: 'v8' }],
  ];
  for (const [arch, platform, want, armVersion] of table) {
    assert.deepEqual(hostPlatform({ arch, platform, armVersion, endianness: 'LE' }), want, `${platform}/${arch}`);
  }
  assert.deepEqual(hostPlatform({ arch: 'ppc64', platform: 'aix', endianness: 'BE' }), { os: 'aix', architecture: 'ppc64' });
  const here = hostPlatform();
  assert.equal(typeof here.os, 'string');
  assert.ok(here.architecture.length > 0);
});

test('normalizePlatform uses canonical names and default variants', () => {
  const table: Array<[Platform, Platform]> = [
    [{ os: 'Linux', architecture: 'x86_64' }, linuxAmd64],
    [{ os: 'linux', architecture: 'x86-64' }, linuxAmd64],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, linuxAmd64],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    [{ os: 'linux', architecture: 'aarch64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64', variant: '8' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64', variant: 'v9.0' }, { os: 'linux', architecture: 'arm64', variant: 'v9' }],
    [{ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    [{ os: 'linux', architecture: 'arm', variant: '6' }, { os: 'linux', architecture: 'arm', variant: 'v6' }],
    [{ os: 'linux', architecture: 'armhf' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    [{ os: 'linux', architecture: 'armel' }, { os: 'linux', architecture: 'arm', variant: 'v6' }],
    [{ os: 'linux', architecture: 'i386' }, { os: 'linux', architecture: '386' }],
    [{ os: 'macOS', architecture: 'arm64' }, { os: 'darwin', architecture: 'arm64', variant: 'v8' }],
    [
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
    ],
  ];
  for (const [input, want] of table) assert.deepEqual(normalizePlatform(input), want, JSON.stringify(input));
});

test('parsePlatform and formatPlatform', () => {
  const host: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
  assert.deepEqual(parsePlatform('linux/arm64/v8', host), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/arm64', host), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/amd64', host), linuxAmd64);
  assert.deepEqual(parsePlatform('Linux/x86_64', host), linuxAmd64);
  assert.deepEqual(parsePlatform('linux/arm/v6', host), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux', host), host);
  assert.deepEqual(parsePlatform('amd64', host), linuxAmd64);
  assert.deepEqual(parsePlatform('aarch64', { os: 'linux', architecture: 'amd64' }), host);
  assert.deepEqual(parsePlatform('windows(10.0.17763)/amd64', host), {
    os: 'windows',
    architecture: 'amd64',
    'os.version': '10.0.17763',
  });
  for (const bad of ['', 'linux/', '/amd64', 'linux/amd64/v8/x', 'linux//v8', 'plan10', 'linux/am d64', 'linux(1/amd64', '(1.0)']) {
    assert.throws(() => parsePlatform(bad, host), { kind: 'invalid-argument', message: /invalid platform/ }, bad);
  }
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 'linux/arm64/v8');
  assert.equal(formatPlatform(linuxAmd64), 'linux/amd64');
  assert.equal(formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.1' }), 'windows(10.0.1)/amd64');
  for (const spec of ['linux/arm64/v8', 'linux/amd64', 'linux/arm/v7', 'windows(10.0.17763)/amd64']) {
    assert.equal(formatPlatform(parsePlatform(spec, host)), spec);
  }
});

test('platformMatches: os and arch must agree; older variants run on newer CPUs', () => {
  const p = (spec: string): Platform => parsePlatform(spec, linuxAmd64);
  const yes: Array<[string, string]> = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64/v8'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm/v7', 'linux/arm/v6'],
    ['linux/arm/v7', 'linux/arm/v5'],
    ['linux/arm/v7', 'linux/arm'],
    ['linux/amd64/v3', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v2'],
    ['linux/arm64/v9', 'linux/arm64/v8'],
  ];
  const no: Array<[string, string]> = [
    ['linux/amd64', 'linux/arm64'],
    ['linux/amd64', 'windows/amd64'],
    ['linux/arm/v6', 'linux/arm/v7'],
    ['linux/amd64', 'linux/amd64/v2'],
    ['linux/arm64/v8', 'linux/arm64/v9'],
    ['linux/arm64', 'linux/arm/v7'],
  ];
  for (const [want, have] of yes) assert.ok(platformMatches(p(want), p(have)), `${want} runs ${have}`);
  for (const [want, have] of no) assert.ok(!platformMatches(p(want), p(have)), `${want} does not run ${have}`);
  // Unordered variants must be equal unless the image has none.
  assert.ok(platformMatches({ os: 'linux', architecture: 'ppc64le', variant: 'power9' }, { os: 'linux', architecture: 'ppc64le' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'ppc64le' }, { os: 'linux', architecture: 'ppc64le', variant: 'power9' }));
  // Windows: major.minor.build must match, the revision may differ.
  const win = (v: string): Platform => ({ os: 'windows', architecture: 'amd64', 'os.version': v });
  assert.ok(platformMatches(win('10.0.17763.1'), win('10.0.17763.5')));
  assert.ok(!platformMatches(win('10.0.17763.1'), win('10.0.20348.1')));
});

function entry(n: number, platform?: Platform, annotations?: Record<string, string>): Descriptor {
  const d: Descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: 100 + n,
  };
  if (platform) d.platform = platform;
  if (annotations) d.annotations = annotations;
  return d;
}

test('selectManifest picks the best entry of an index', () => {
  const manifests = [
    entry(1),
    entry(2, { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
    entry(3, { os: 'linux', architecture: 'amd64' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
    entry(4, { os: 'linux', architecture: 'amd64' }),
    entry(5, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry(6, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry(7, { os: 'linux', architecture: 'arm64' }),
    entry(8, { os: 'linux', architecture: 'amd64', variant: 'v3' }),
    entry(9, { os: 'linux', architecture: 'amd64' }),
  ];
  const pick = (want: Platform): number | undefined => {
    const d = selectManifest({ manifests }, want);
    return d ? d.size - 100 : undefined;
  };
  assert.equal(pick(linuxAmd64), 4, 'first exact entry wins; attestations skipped');
  assert.equal(pick({ os: 'linux', architecture: 'amd64', variant: 'v3' }), 8, 'exact variant preferred');
  assert.equal(pick({ os: 'linux', architecture: 'amd64', variant: 'v2' }), 4, 'v3 cannot run on v2');
  assert.equal(pick({ os: 'linux', architecture: 'arm', variant: 'v7' }), 6);
  assert.equal(pick({ os: 'linux', architecture: 'arm', variant: 'v6' }), 5);
  assert.equal(pick({ os: 'linux', architecture: 'arm', variant: 'v8' }), 6, 'closest older variant');
  assert.equal(pick({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 7, 'arm64 without variant is v8');
  assert.equal(pick({ os: 'linux', architecture: 'aarch64' }), 7);
  assert.equal(pick({ os: 'linux', architecture: 'arm', variant: 'v5' }), undefined);
  assert.equal(pick({ os: 'windows', architecture: 'amd64' }), undefined);
  assert.equal(pick({ os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(selectManifest({ manifests: [] }, linuxAmd64), undefined);
  assert.equal(selectManifest({ manifests: [entry(1)] }, linuxAmd64), undefined);
  // arm64 without a variant means v8: a v8 host must not get the v9 image.
  const armOnly = [entry(1, { os: 'linux', architecture: 'arm64', variant: 'v9' }), entry(2, { os: 'linux', architecture: 'arm64' })];
  assert.equal(selectManifest({ manifests: armOnly }, { os: 'linux', architecture: 'arm64', variant: 'v9' })?.size, 101);
  assert.equal(selectManifest({ manifests: armOnly }, { os: 'linux', architecture: 'arm64' })?.size, 102);
});
