import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../../../lib/errors.js';
import { applyJsonPatch, JsonPatchError } from './index.js';

const pod = () => ({
  metadata: { name: 'web', labels: { app: 'web', 'a/b': 'slash', 'm~n': 'tilde' } },
  spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] },
});

function patchError(doc: unknown, ops: unknown): JsonPatchError {
  try {
    applyJsonPatch(doc, ops);
  } catch (err) {
    assert.ok(err instanceof JsonPatchError, `expected a JsonPatchError, got ${String(err)}`);
    assert.ok(isInvalidArgument(err));
    return err;
  }
  assert.fail('the patch applied');
}

test('add, remove and replace on objects and arrays', () => {
  const out = applyJsonPatch(pod(), [
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'replace', path: '/spec/containers/0/image', value: 'a:2' },
    { op: 'add', path: '/spec/containers/1', value: { name: 'mid', image: 'm:1' } },
    { op: 'add', path: '/spec/containers/-', value: { name: 'z', image: 'z:1' } },
    { op: 'remove', path: '/metadata/labels/app' },
  ]) as ReturnType<typeof pod>;
  assert.deepEqual(out.metadata.labels, { 'a/b': 'slash', 'm~n': 'tilde', tier: 'front' });
  assert.deepEqual(
    out.spec.containers.map((c) => `${c.name}=${c.image}`),
    ['a=a:2', 'mid=m:1', 'b=b:1', 'z=z:1'],
  );
});

test('~1 and ~0 escapes address keys with / and ~', () => {
  const out = applyJsonPatch(pod(), [
    { op: 'replace', path: '/metadata/labels/a~1b', value: 'x' },
    { op: 'remove', path: '/metadata/labels/m~0n' },
  ]) as ReturnType<typeof pod>;
  assert.deepEqual(out.metadata.labels, { app: 'web', 'a/b': 'x' });
});

test('move and copy', () => {
  const out = applyJsonPatch(pod(), [
    { op: 'copy', from: '/spec/containers/0', path: '/spec/containers/-' },
    { op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' },
    { op: 'replace', path: '/spec/containers/2/name', value: 'a-copy' },
  ]) as ReturnType<typeof pod>;
  assert.deepEqual(out.metadata.labels, { 'a/b': 'slash', 'm~n': 'tilde', name: 'web' });
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['a', 'b', 'a-copy']);
  // The copy is deep: changing it left the original alone.
  assert.equal(out.spec.containers[0]?.name, 'a');
});

test('test passes on equal values (deep, key order free) and fails with Kubernetes\' message', () => {
  const out = applyJsonPatch(pod(), [
    { op: 'test', path: '/spec/containers/0', value: { image: 'a:1', name: 'a' } },
    { op: 'test', path: '/metadata/missing', value: null },
    { op: 'replace', path: '/metadata/name', value: 'web2' },
  ]) as ReturnType<typeof pod>;
  assert.equal(out.metadata.name, 'web2');

  const err = patchError(pod(), [
    { op: 'add', path: '/metadata/labels/x', value: 'y' },
    { op: 'test', path: '/metadata/name', value: 'other' },
  ]);
  assert.equal(err.message, 'testing value /metadata/name failed: test failed');
  assert.equal(err.opIndex, 1);
  assert.equal(err.path, '/metadata/name');
  assert.equal(err.stage, 'apply');
});

test('a failing patch leaves the document untouched', () => {
  const doc = pod();
  const before = structuredClone(doc);
  patchError(doc, [
    { op: 'remove', path: '/metadata/labels/app' },
    { op: 'replace', path: '/spec/nothing/deeper', value: 1 },
  ]);
  assert.deepEqual(doc, before);
});

test('errors name the path as Kubernetes does', () => {
  const cases: [unknown[], string, number][] = [
    [[{ op: 'replace', path: '/spec/containers/2', value: {} }], 'replace operation does not apply: doc is missing key: /spec/containers/2: missing value', 0],
    [[{ op: 'replace', path: '/status/phase', value: 'x' }], 'replace operation does not apply: doc is missing path: /status/phase: missing value', 0],
    [[{ op: 'add', path: '/spec/x/y', value: 1 }], 'add operation does not apply: doc is missing path: "/spec/x/y": missing value', 0],
    [[{ op: 'remove', path: '/metadata/labels/none' }], "error in remove for path: '/metadata/labels/none': Unable to remove nonexistent key: none: missing value", 0],
    [[{ op: 'test', path: '/spec/containers/0/image', value: 'a:1' }, { op: 'remove', path: '/spec/containers/5' }], "error in remove for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced", 1],
    [[{ op: 'add', path: '/spec/containers/9', value: {} }], "error in add for path: '/spec/containers/9': Unable to access invalid index: 9: invalid index referenced", 0],
    [[{ op: 'frob', path: '/spec' }], 'Unexpected kind: frob', 0],
    [[{ op: 'move', from: '/spec/none', path: '/spec/x' }], "error in move for path: 'none': Unable to remove nonexistent key: none: missing value", 0],
    [[{ op: 'copy', from: '/nope/x', path: '/spec/x' }], "copy operation does not apply: doc is missing from path: /nope/x: missing value", 0],
    [[{ op: 'copy', from: '/spec/none', path: '/spec/x' }], "error in copy for from: '/spec/none': Unable to copy nonexistent key: none: missing value", 0],
    [[{ op: 'add', path: '/spec/containers/x', value: {} }], 'error in add for path: \'/spec/containers/x\': value was not a proper array index: \'x\': strconv.Atoi: parsing "x": invalid syntax', 0],
    [[{ op: 'move', from: '/spec', path: '/spec/containers/0/spec' }], 'move operation does not apply: path /spec/containers/0/spec is inside from path /spec', 0],
  ];
  for (const [ops, message, index] of cases) {
    const err = patchError(pod(), ops);
    assert.equal(err.message, message);
    assert.equal(err.opIndex, index);
  }
});

test('malformed patches are refused before anything applies', () => {
  assert.equal(patchError(pod(), { op: 'add' }).stage, 'decode');
  assert.match(patchError(pod(), { op: 'add' }).message, /cannot unmarshal object/);
  assert.equal(patchError(pod(), ['x']).opIndex, 0);
  assert.equal(patchError(pod(), [{ op: 'add', value: 1 }]).message, 'add operation failed to decode path: missing value');
  assert.equal(patchError(pod(), [{ op: 'add', path: '/metadata/x' }]).message, "add operation has no value for path: '/metadata/x'");
  assert.equal(patchError(pod(), [{ op: 'copy', path: '/metadata/x' }]).message, 'copy operation failed to decode from: missing value');
  assert.match(patchError(pod(), new Array(10001).fill({ op: 'test', path: '', value: 1 })).message, /maximum operations in a JSON patch is 10000, got 10001/);
  assert.match(patchError('a string', []).message, /cannot apply a JSON patch to a string/);
});

test('the root can be replaced, tested and added', () => {
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
  assert.deepEqual(applyJsonPatch([1], [{ op: 'add', path: '/-', value: 2 }]), [1, 2]);
  assert.match(patchError({ a: 1 }, [{ op: 'replace', path: '', value: 3 }]).message, /value must be object or array/);
});

test('replace sets a missing object key, as Kubernetes\' json-patch does', () => {
  assert.deepEqual(applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]), { spec: { replicas: 3 } });
});

test('negative indices count from the end, as Kubernetes allows', () => {
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }]), { l: [1, 2] });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'replace', path: '/l/-3', value: 0 }]), { l: [0, 2, 3] });
  assert.match(patchError({ l: [1] }, [{ op: 'remove', path: '/l/x' }]).message, /invalid syntax/);
});
