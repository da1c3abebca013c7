import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeCommand, mergeEnv, resolveConfig } from './config.js';

test('mergeCommand follows Docker: an entrypoint drops the image CMD, "" clears the entrypoint', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
  assert.deepEqual(mergeCommand(image, {}), { entrypoint: ['/entry'], cmd: ['default'] });
  assert.deepEqual(mergeCommand(image, { cmd: ['x'] }), { entrypoint: ['/entry'], cmd: ['x'] });
  assert.deepEqual(mergeCommand(image, { entrypoint: ['/other'] }), { entrypoint: ['/other'], cmd: [] });
  assert.deepEqual(mergeCommand(image, { entrypoint: ['/other'], cmd: ['a'] }), { entrypoint: ['/other'], cmd: ['a'] });
  assert.deepEqual(mergeCommand(image, { entrypoint: [''] }), { entrypoint: [], cmd: ['default'] });
  assert.deepEqual(mergeCommand(image, { entrypoint: [], cmd: ['sh'] }), { entrypoint: [], cmd: ['sh'] });
});

test('mergeEnv: request wins by key, image order kept', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});

test('resolveConfig: defaults, hostname from the id, no command refused', () => {
  const id = 'ab'.repeat(32);
  const c = resolveConfig({ image: 'x', cmd: ['echo', 'hi'] }, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { WorkingDir: '/w', User: 'nobody', StopSignal: 'SIGQUIT' } }, id);
  assert.equal(c.path, 'echo');
  assert.deepEqual(c.args, ['hi']);
  assert.equal(c.hostname, id.slice(0, 12));
  assert.equal(c.workingDir, '/w');
  assert.equal(c.user, 'nobody');
  assert.equal(c.stopSignal, 'SIGQUIT');
  assert.equal(c.stopTimeoutSeconds, 10);
  assert.throws(() => resolveConfig({ image: 'x' }, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, id), /No command specified/);
});
