import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, resolveEnv } from './env-file.js';

test('env files: comments, blanks, leading space, bare names from our environment, quotes', () => {
  const env: Record<string, string> = { HOME_DIR: '/home/me' };
  const text = '\uFEFF# comment\n\n  A=1\nB=two words \nC=\nHOME_DIR\nUNSET_ONE\nD="quoted"\nE=\'single\'\nF="half\nG=a=b\r\n';
  assert.deepEqual(parseEnvFile(text, 'f', (k) => env[k]), ['A=1', 'B=two words ', 'C=', 'HOME_DIR=/home/me', 'D=quoted', 'E=single', 'F="half', 'G=a=b']);
  assert.throws(() => parseEnvFile('=x\n'), /no variable name/);
  assert.throws(() => parseEnvFile('MY VAR=x\n'), /contains whitespaces/);
});

test('-e KEY takes our value when set, else passes as is', () => {
  assert.equal(resolveEnv('A=1'), 'A=1');
  assert.equal(resolveEnv('X', (k) => (k === 'X' ? 'y' : undefined)), 'X=y');
  assert.equal(resolveEnv('X', () => undefined), 'X');
  assert.throws(() => resolveEnv('=v'), { kind: 'invalid-argument' });
});
