import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.js';
import { parseImageConfig, validateDiffIds, type ImageConfig } from './image-config.js';

const diff1 = digestOf('layer1');
const diff2 = digestOf('layer2');

// Shaped like what `docker build` writes, nulls included.
const dockerStyle = {
  architecture: 'amd64',
  os: 'linux',
  created: '2023-05-19T20:19:26.487979813Z',
  author: 'someone',
  docker_version: '20.10.24',
  config: {
    Hostname: '',
    User: 'app',
    ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8080': {} },
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'EMPTY='],
    Entrypoint: null,
    Cmd: ['sh'],
    Volumes: { '/data': {} },
    WorkingDir: '/srv',
    Labels: { 'org.example': 'yes' },
    OnBuild: null,
    StopSignal: 'SIGTERM',
    ArgsEscaped: true,
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30_000_000_000, Timeout: 5_000_000_000, Retries: 3 },
    Shell: ['/bin/sh', '-c'],
  },
  rootfs: { type: 'layers', diff_ids: [diff1, diff2] },
  history: [
    { created: '2023-05-19T20:19:26Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
    { created: '2023-05-19T20:19:26+02:00', created_by: 'CMD ["sh"]', empty_layer: true, comment: 'buildkit' },
    { created: '2023-05-19T20:19:27Z', created_by: 'RUN x', author: 'me' },
  ],
};

test('parseImageConfig reads a Docker-built config, dropping nulls and unknown fields', () => {
  const config = parseImageConfig(JSON.stringify(dockerStyle));
  const want: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: '2023-05-19T20:19:26.487979813Z',
    author: 'someone',
    config: {
      User: 'app',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8080': {} },
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'EMPTY='],
      Cmd: ['sh'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { 'org.example': 'yes' },
      StopSignal: 'SIGTERM',
      ArgsEscaped: true,
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30_000_000_000, Timeout: 5_000_000_000, Retries: 3 },
      Shell: ['/bin/sh', '-c'],
    },
    rootfs: { type: 'layers', diff_ids: [diff1, diff2] },
    history: dockerStyle.history,
  };
  assert.deepEqual(config, want);
  validateDiffIds(config, 2);
});

test('parseImageConfig reads a minimal OCI config', () => {
  const minimal = { architecture: 'arm64', os: 'linux', variant: 'v8', rootfs: { type: 'layers', diff_ids: [] } };
  assert.deepEqual(parseImageConfig(new TextEncoder().encode(JSON.stringify(minimal))), minimal);
  const windows = { ...minimal, architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1', variant: undefined };
  assert.equal(parseImageConfig(JSON.stringify(windows))['os.version'], '10.0.17763.1');
  // Docker writes diff_ids: null for an image without layers.
  const scratch = parseImageConfig(JSON.stringify({ ...minimal, rootfs: { type: 'layers', diff_ids: null } }));
  assert.deepEqual(scratch.rootfs, { type: 'layers', diff_ids: [] });
  validateDiffIds(scratch, 0);
});

test('parseImageConfig refuses garbage, naming the field', () => {
  const c = dockerStyle;
  const cases: Array<[unknown, RegExp]> = [
    [[], /^config: expected an object, got array$/],
    [{ ...c, architecture: undefined }, /^config\.architecture: required$/],
    [{ ...c, os: 3 }, /^config\.os: expected a string, got number 3$/],
    [{ ...c, created: 'yesterday' }, /^config\.created: not an RFC 3339 time: "yesterday"$/],
    [{ ...c, created: '2023-05-19 20:19' }, /^config\.created: not an RFC 3339 time/],
    [{ ...c, rootfs: undefined }, /^config\.rootfs: required$/],
    [{ ...c, rootfs: { type: 'tarball', diff_ids: [] } }, /^config\.rootfs\.type: expected "layers", got "tarball"$/],
    [{ ...c, rootfs: { type: 'layers', diff_ids: [diff1, 'sha256:nope'] } }, /^config\.rootfs\.diff_ids\[1\]: invalid digest "sha256:nope"$/],
    [{ ...c, rootfs: { type: 'layers', diff_ids: diff1 } }, /^config\.rootfs\.diff_ids: expected an array/],
    [{ ...c, config: { Env: 'A=1' } }, /^config\.config\.Env: expected an array, got string "A=1"$/],
    [{ ...c, config: { Cmd: ['sh', 1] } }, /^config\.config\.Cmd\[1\]: expected a string, got number 1$/],
    [{ ...c, config: { Labels: { a: true } } }, /^config\.config\.Labels\.a: expected a string, got boolean true$/],
    [{ ...c, config: { ExposedPorts: { http: {} } } }, /^config\.config\.ExposedPorts\.http: invalid port "http"/],
    [{ ...c, config: { ExposedPorts: { '70000/tcp': {} } } }, /^config\.config\.ExposedPorts\["70000\/tcp"\]: port out of range/],
    [{ ...c, config: { ExposedPorts: { '80/tcp': 1 } } }, /^config\.config\.ExposedPorts\["80\/tcp"\]: expected an object/],
    [{ ...c, config: { Volumes: ['/data'] } }, /^config\.config\.Volumes: expected an object, got array$/],
    [{ ...c, config: { Healthcheck: { Interval: -1 } } }, /^config\.config\.Healthcheck\.Interval: expected a non-negative integer/],
    [{ ...c, config: { ArgsEscaped: 'yes' } }, /^config\.config\.ArgsEscaped: expected a boolean/],
    [{ ...c, history: {} }, /^config\.history: expected an array, got object$/],
    [{ ...c, history: [{ empty_layer: 'true' }] }, /^config\.history\[0\]\.empty_layer: expected a boolean/],
    [{ ...c, history: [{}, { created: 5 }] }, /^config\.history\[1\]\.created: expected a string/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseImageConfig(JSON.stringify(value)), { kind: 'invalid-argument', message }, JSON.stringify(value));
  }
  assert.throws(() => parseImageConfig('{'), { kind: 'invalid-argument', message: /^config: invalid JSON/ });
});

test('validateDiffIds checks one diff_id per layer', () => {
  const config = { rootfs: { type: 'layers' as const, diff_ids: [diff1, diff2] } };
  validateDiffIds(config, 2);
  assert.throws(() => validateDiffIds(config, 3), {
    kind: 'invalid-argument',
    message: 'config.rootfs.diff_ids: 2 entries for 3 layers',
  });
  assert.throws(() => validateDiffIds({ rootfs: { type: 'layers', diff_ids: [diff1] } }, 0), {
    message: 'config.rootfs.diff_ids: 1 entry for 0 layers',
  });
});
