import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractGlobals, parseCommandArgs, splitAtPositional } from './args.js';
import { execOptions, runOptions } from './run-options.js';

test('splitAtPositional stops at the image and rewrites values as --long=value', () => {
  assert.deepEqual(splitAtPositional(['-it', '--rm', '-e', 'A=1', '--name', 'x', 'img', 'sh', '-c', 'ls -l'], runOptions), {
    flags: ['--interactive', '--tty', '--rm', '--env=A=1', '--name=x'],
    positionals: ['img', 'sh', '-c', 'ls -l'],
  });
  assert.deepEqual(splitAtPositional(['-eB=2', '-ite', 'C=3', 'img'], runOptions).flags, ['--env=B=2', '--interactive', '--tty', '--env=C=3']);
  assert.deepEqual(splitAtPositional(['--', 'img', '-d'], runOptions), { flags: [], positionals: ['img', '-d'] });
});

test('parseCommandArgs keeps a dash-led value and leaves the command alone', () => {
  const { values, positionals } = parseCommandArgs('run', ['--memory-swap', '-1', '-m', '16m', 'img', 'echo', '--rm', '-d'], runOptions);
  assert.equal(values['memory-swap'], '-1');
  assert.equal(values.memory, '16m');
  assert.equal(values.rm, undefined);
  assert.deepEqual(positionals, ['img', 'echo', '--rm', '-d']);
  assert.throws(() => parseCommandArgs('run', ['--bogus', 'img'], runOptions), { kind: 'invalid-argument' });
  const exec = parseCommandArgs('exec', ['-u', 'nobody', 'ctr', 'id', '-u'], execOptions);
  assert.equal(exec.values.user, 'nobody');
  assert.deepEqual(exec.positionals, ['ctr', 'id', '-u']);
});

test('extractGlobals takes globals anywhere for ordinary verbs', () => {
  assert.deepEqual(extractGlobals(['images', '--root', '/r', '-q', '--run=/x']), { globals: { root: '/r', run: '/x' }, rest: ['images', '-q'] });
  assert.deepEqual(extractGlobals(['-H', 'unix:///s', 'ps']), { globals: { host: 'unix:///s' }, rest: ['ps'] });
  assert.throws(() => extractGlobals(['ps', '--root']), { kind: 'invalid-argument' });
});

test('extractGlobals stops at the first positional of run, create and exec, and after --', () => {
  assert.deepEqual(extractGlobals(['--root', '/r', 'run', '-e', 'A=1', '--root', '/s', 'img', 'sh', '-c', 'x --root y']), {
    globals: { root: '/s' },
    rest: ['run', '-e', 'A=1', 'img', 'sh', '-c', 'x --root y'],
  });
  // A flag's value that looks like a positional does not end the flags.
  assert.deepEqual(extractGlobals(['run', '--name', 'n', '--run', '/x', 'img', '--run', 'keep']), {
    globals: { run: '/x' },
    rest: ['run', '--name', 'n', 'img', '--run', 'keep'],
  });
  assert.deepEqual(extractGlobals(['exec', '-it', 'ctr', 'cmd', '--host', 'h']).rest, ['exec', '-it', 'ctr', 'cmd', '--host', 'h']);
  assert.deepEqual(extractGlobals(['create', 'img', '--root', 'r']), { globals: {}, rest: ['create', 'img', '--root', 'r'] });
  assert.deepEqual(extractGlobals(['logs', '--', '--root', 'r']), { globals: {}, rest: ['logs', '--', '--root', 'r'] });
});
