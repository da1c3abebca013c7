import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RLIM_INFINITY } from './host-parse.js';
import { buildRlimits, normalizeRlimitType } from './spec-rlimits.js';
import { specToJson } from './spec-json.js';
import { buildSpec } from './spec.js';
import { fakeHost } from './spec-testutil.js';

const host = { RLIMIT_NOFILE: { soft: 1024n, hard: 4096n }, RLIMIT_CORE: { soft: 0n, hard: RLIM_INFINITY } };

test('rlimit names are accepted in any of Docker\'s and the kernel\'s spellings', () => {
  assert.equal(normalizeRlimitType('nofile'), 'RLIMIT_NOFILE');
  assert.equal(normalizeRlimitType('NPROC'), 'RLIMIT_NPROC');
  assert.equal(normalizeRlimitType('rlimit_core'), 'RLIMIT_CORE');
  assert.throws(() => normalizeRlimitType('files'), { kind: 'invalid-argument', message: /files/ });
});

test('rlimits up to the daemon\'s hard limit are set; -1 is unlimited', () => {
  assert.deepEqual(buildRlimits([{ type: 'nofile', soft: 4096, hard: 4096 }], host), [{ type: 'RLIMIT_NOFILE', soft: 4096n, hard: 4096n }]);
  // raising the soft limit up to the hard one needs no privilege
  assert.deepEqual(buildRlimits([{ type: 'nofile', soft: 2048, hard: 2048 }], host)[0]?.soft, 2048n);
  assert.deepEqual(buildRlimits([{ type: 'core', soft: -1, hard: -1 }], host), [{ type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY }]);
  assert.deepEqual(buildRlimits([{ type: 'stack', soft: 1, hard: 2 }], host), [{ type: 'RLIMIT_STACK', soft: 1n, hard: 2n }], 'unknown to the host: passed on');
  assert.deepEqual(buildRlimits([], host), []);
});

test('rlimits the daemon cannot grant, or that make no sense, are refused', () => {
  assert.throws(() => buildRlimits([{ type: 'nofile', soft: 1024, hard: 8192 }], host), { kind: 'failed-precondition', message: /RLIMIT_NOFILE.*4096/ });
  assert.throws(() => buildRlimits([{ type: 'nofile', soft: -1, hard: -1 }], host), { kind: 'failed-precondition' });
  assert.throws(() => buildRlimits([{ type: 'nofile', soft: 100, hard: 50 }], host), { kind: 'invalid-argument', message: /soft/ });
  assert.throws(() => buildRlimits([{ type: 'nofile', soft: -3, hard: 50 }], host), { kind: 'invalid-argument', message: /soft/ });
  assert.throws(
    () => buildRlimits([{ type: 'nofile', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }], host),
    { kind: 'invalid-argument', message: /twice/ },
  );
});

test('specToJson writes 64-bit rlimits exactly and drops undefined fields', () => {
  const spec = buildSpec({ rootfs: '/r', args: ['true'], rlimits: [{ type: 'core', soft: -1, hard: -1 }] }, { ...fakeHost(), rlimits: {} });
  const text = specToJson(spec);
  assert.match(text, /"hard": 18446744073709551615/);
  assert.match(text, /"soft": 18446744073709551615/);
  const parsed = JSON.parse(text) as { process: { args: string[] }; linux: { seccomp: { defaultErrnoRet: number } } };
  assert.deepEqual(parsed.process.args, ['true']);
  assert.equal(parsed.linux.seccomp.defaultErrnoRet, 1);
  const noRlimits = JSON.parse(specToJson(buildSpec({ rootfs: '/r', args: ['true'] }, fakeHost()))) as Record<string, unknown>;
  assert.equal(JSON.stringify(noRlimits), JSON.stringify(buildSpec({ rootfs: '/r', args: ['true'] }, fakeHost())));
});
