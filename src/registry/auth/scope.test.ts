import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { covers, formatScope, parseScope, requirementOf } from './scope.js';

describe('token scopes', () => {
  test('parse and format, names with ports and slashes included', () => {
    assert.deepEqual(parseScope('repository:library/busybox:pull,push'), { type: 'repository', name: 'library/busybox', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('repository:host:5000/a/b:pull'), { type: 'repository', name: 'host:5000/a/b', actions: ['pull'] });
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
    assert.equal(parseScope('nonsense'), undefined);
    assert.equal(formatScope({ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }), 'repository:a/b:pull,push');
  });

  test('reads need pull, writes need push, the catalog needs registry:catalog:*', () => {
    const blob = { kind: 'blob', name: 'a/b', digest: 'sha256:x' } as const;
    assert.deepEqual(requirementOf(blob, 'GET'), { kind: 'access', access: { type: 'repository', name: 'a/b', actions: ['pull'] } });
    assert.deepEqual(requirementOf(blob, 'HEAD'), { kind: 'access', access: { type: 'repository', name: 'a/b', actions: ['pull'] } });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.deepEqual(requirementOf({ kind: 'uploads', name: 'a/b' }, method), { kind: 'access', access: { type: 'repository', name: 'a/b', actions: ['push'] } });
    }
    assert.deepEqual(requirementOf({ kind: 'catalog' }, 'GET'), { kind: 'access', access: { type: 'registry', name: 'catalog', actions: ['*'] } });
    assert.deepEqual(requirementOf({ kind: 'base' }, 'GET'), { kind: 'authenticated' });
  });

  test('covers only what was granted, for that repository', () => {
    const granted = [{ type: 'repository', name: 'a/b', actions: ['pull'] }];
    assert.equal(covers(granted, { type: 'repository', name: 'a/b', actions: ['pull'] }), true);
    assert.equal(covers(granted, { type: 'repository', name: 'a/b', actions: ['push'] }), false);
    assert.equal(covers(granted, { type: 'repository', name: 'a/c', actions: ['pull'] }), false);
    assert.equal(covers(granted, { type: 'registry', name: 'catalog', actions: ['*'] }), false);
    assert.equal(covers([{ type: 'registry', name: 'catalog', actions: ['*'] }], { type: 'registry', name: 'catalog', actions: ['*'] }), true);
  });
});
