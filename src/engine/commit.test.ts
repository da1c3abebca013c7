import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeOverrides } from './commit.js';

test('a commit request’s settings merge over the container’s as Docker merges them', () => {
  const base = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: ['/init'], ExposedPorts: { '80/tcp': {} }, Labels: { a: '1', b: '2' }, User: 'root' };
  assert.deepEqual(mergeOverrides({}, base), base);
  assert.deepEqual(mergeOverrides({ Env: ['A=2', 'B=3'], Labels: { b: 'x' }, ExposedPorts: { '53/udp': {} } }, base), {
    ...base,
    Env: ['A=2', 'B=3', 'PATH=/bin'],
    Labels: { a: '1', b: 'x' },
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
  });
  const entry = mergeOverrides({ Entrypoint: ['/app'] }, base);
  assert.deepEqual([entry.Entrypoint, entry.Cmd], [['/app'], undefined]);
  assert.deepEqual(mergeOverrides({ Cmd: ['run'] }, base).Entrypoint, ['/init']);
});
