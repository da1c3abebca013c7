import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommandArgs } from './args.js';
import { buildCreateRequest, parseUlimit } from './container-config.js';
import { runOptions } from './run-options.js';

const build = (args: string[]): ReturnType<typeof buildCreateRequest> => {
  const { values, positionals } = parseCommandArgs('run', args, runOptions);
  return buildCreateRequest(values, positionals);
};

test('run flags become a create body as docker builds it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-envfile-'));
  try {
    fs.writeFileSync(path.join(dir, 'env'), 'FROM_FILE=1\nA=file\n');
    const { name, body } = build([
      '--name', 'web', '-e', 'A=flag', '--env-file', path.join(dir, 'env'), '-w', '/srv', '-u', '1000:1000',
      '-l', 'team=a', '-l', 'flag', '-m', '64m', '--memory-swap', '-1', '--cpus', '0.5', '--cpu-shares', '512',
      '--pids-limit', '100', '--restart', 'on-failure:3', '--health-cmd', 'true', '--health-interval', '1m30s',
      '--health-timeout', '500ms', '--health-retries', '2', '--health-start-period', '1s', '--init', '--privileged',
      '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--read-only', '--security-opt', 'no-new-privileges',
      '--network', 'none', '-h', 'box', '--stop-signal', 'SIGINT', '--stop-timeout', '5', '--entrypoint', '/bin/sh',
      'img', '-c', 'echo hi',
    ]);
    assert.equal(name, 'web');
    assert.equal(body.Image, 'img');
    assert.deepEqual(body.Cmd, ['-c', 'echo hi']);
    assert.deepEqual(body.Entrypoint, ['/bin/sh']);
    assert.deepEqual(body.Env, ['FROM_FILE=1', 'A=file', 'A=flag']);
    assert.deepEqual(body.Labels, { team: 'a', flag: '' });
    assert.equal(body.WorkingDir, '/srv');
    assert.equal(body.User, '1000:1000');
    assert.equal(body.Hostname, 'box');
    assert.equal(body.StopSignal, 'SIGINT');
    assert.equal(body.StopTimeout, 5);
    assert.deepEqual(body.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 90e9, Timeout: 5e8, StartPeriod: 1e9, Retries: 2 });
    assert.deepEqual(body.HostConfig, {
      Memory: 64 * 1024 * 1024, MemorySwap: -1, NanoCpus: 5e8, CpuShares: 512, PidsLimit: 100,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, Init: true, Privileged: true, CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'], ReadonlyRootfs: true, SecurityOpt: ['no-new-privileges'], NetworkMode: 'none',
    });
    assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { none: {} } });
    // Attached to stdout and stderr, not stdin.
    assert.deepEqual([body.AttachStdin, body.AttachStdout, body.AttachStderr, body.OpenStdin, body.Tty], [false, true, true, false, false]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('attach, detach and stdin settings', () => {
  const it = build(['-it', '--rm', 'img']).body;
  assert.deepEqual([it.AttachStdin, it.OpenStdin, it.StdinOnce, it.Tty, it.HostConfig.AutoRemove], [true, true, true, true, true]);
  assert.equal(it.Cmd, undefined, 'no command: the image decides');
  const d = build(['-d', '-i', 'img']).body;
  assert.deepEqual([d.AttachStdin, d.AttachStdout, d.AttachStderr, d.OpenStdin, d.StdinOnce], [false, false, false, true, false]);
  const a = build(['-a', 'stderr', 'img']).body;
  assert.deepEqual([a.AttachStdin, a.AttachStdout, a.AttachStderr], [false, false, true]);
  assert.deepEqual(build(['--entrypoint', '', 'img']).body.Entrypoint, ['']);
  assert.deepEqual(build(['--no-healthcheck', 'img']).body.Healthcheck, { Test: ['NONE'] });
});

test('conflicting and malformed run flags are usage errors', () => {
  for (const args of [
    ['--rm', '--restart', 'always', 'img'],
    ['--no-healthcheck', '--health-cmd', 'x', 'img'],
    ['--health-interval', '-1s', 'img'],
    ['-d', '-a', 'stdout', 'img'],
    ['-m', 'lots', 'img'],
    ['--restart', 'sometimes', 'img'],
    ['--pids-limit', 'many', 'img'],
    ['--ulimit', 'nofile', 'img'],
    ['--ulimit', 'nofile=2048:1024', 'img'],
    [],
  ]) {
    assert.throws(() => build(args), { kind: 'invalid-argument' }, args.join(' '));
  }
});

test('--log-driver and --log-opt become HostConfig.LogConfig', () => {
  const { body } = build(['--log-opt', 'max-size=10k', '--log-opt', 'max-file=2', 'img']);
  assert.deepEqual(body.HostConfig.LogConfig, { Type: '', Config: { 'max-size': '10k', 'max-file': '2' } });
  assert.deepEqual(build(['--log-driver', 'local', 'img']).body.HostConfig.LogConfig, { Type: 'local', Config: {} });
  assert.equal(build(['img']).body.HostConfig.LogConfig, undefined);
  assert.throws(() => build(['--log-opt', 'max-size', 'img']), /invalid --log-opt "max-size": use key=value/);
});

test('--ulimit NAME=SOFT[:HARD] becomes HostConfig.Ulimits, the hard limit defaulting to the soft one', () => {
  assert.deepEqual(parseUlimit('nofile=512:1024'), { Name: 'nofile', Soft: 512, Hard: 1024 });
  assert.deepEqual(parseUlimit('nproc=300'), { Name: 'nproc', Soft: 300, Hard: 300 });
  assert.deepEqual(parseUlimit('core=-1:-1'), { Name: 'core', Soft: -1, Hard: -1 });
  assert.throws(() => parseUlimit('core=-1:10'), /soft limit must be less than or equal to hard limit/);
});
