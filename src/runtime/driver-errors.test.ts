import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorKind } from '../lib/index.js';
import { RuntimeError, runtimeFailure, runtimeMessages, startFailureExitCode } from './driver-errors.js';

test('runtime messages come out of JSON lines, logrus text and plain text', () => {
  assert.equal(runtimeMessages('{"level":"error","msg":"container does not exist","time":"x"}\n'), 'container does not exist');
  assert.equal(
    runtimeMessages('time="2026-01-01T00:00:00Z" level=error msg="runc create failed: exec: \\"/x\\": stat /x: no such file or directory"\n'),
    'runc create failed: exec: "/x": stat /x: no such file or directory',
  );
  assert.equal(runtimeMessages('plain words\n\nmore'), 'plain words; more');
});

test('a command that cannot be executed maps to 127 or 126', () => {
  assert.equal(startFailureExitCode('unable to start container process: exec: "/nonexistent": stat /nonexistent: no such file or directory'), 127);
  assert.equal(startFailureExitCode('exec: "foo": executable file not found in $PATH'), 127);
  assert.equal(startFailureExitCode('exec: "/etc/passwd": permission denied'), 126);
  assert.equal(startFailureExitCode('open /sys/fs/cgroup/x: no such file or directory'), undefined);
  assert.equal(startFailureExitCode('something else'), undefined);
});

test('runtime failures get kinds', () => {
  assert.equal(errorKind(runtimeFailure('state of', 'a', 'container does not exist')), 'not-found');
  assert.equal(errorKind(runtimeFailure('kill', 'a', 'container not running')), 'failed-precondition');
  assert.equal(errorKind(runtimeFailure('delete', 'a', 'cannot delete container a that is not stopped: running')), 'failed-precondition');
  const missing = runtimeFailure('create', 'a', 'runc create failed: exec: "/x": stat /x: no such file or directory');
  assert.ok(missing instanceof RuntimeError);
  assert.equal(missing.kind, 'invalid-argument');
  assert.equal(missing.exitCodeHint, 127);
  assert.match(missing.message, /^create a: runc create failed/);
  const other = runtimeFailure('create', 'a', 'mount failed');
  assert.ok(other instanceof RuntimeError);
  assert.equal(other.kind, 'internal');
  assert.equal(other.exitCodeHint, undefined);
});
