import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../../../lib/errors.js';
import { FieldSet, fromFieldsV1, pathString, toFieldsV1 } from './fieldset.js';

test('FieldsV1 round-trips, with "." for members that have members below them', () => {
  const fields = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
      },
      'f:finalizers': { 'v:"a.io/x"': {} },
      'f:replicas': {},
    },
  };
  const set = fromFieldsV1(fields);
  assert.equal(set.size, 8);
  assert.ok(set.has(['f:metadata', 'f:labels']));
  assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"nginx"}']));
  assert.ok(!set.has(['f:spec']));
  assert.deepEqual(toFieldsV1(set), fields);
});

test('elements sort fields first, then keys, values and indices', () => {
  const set = new FieldSet([['f:l', 'i:0'], ['f:l', 'v:1'], ['f:l', 'k:{"a":1}'], ['f:l', 'f:z'], ['f:l', 'f:a']]);
  assert.deepEqual(Object.keys(toFieldsV1(set)['f:l'] as object), ['f:a', 'f:z', 'k:{"a":1}', 'v:1', 'i:0']);
});

test('paths print as Kubernetes prints them in conflicts', () => {
  assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
  assert.equal(
    pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name']),
    '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].name',
  );
  assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a.io/x"']), '.metadata.finalizers[="a.io/x"]');
  assert.equal(pathString(['f:items', 'i:3']), '.items[3]');
});

test('set operations', () => {
  const a = new FieldSet([['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d']]);
  const b = new FieldSet([['f:b', 'f:c'], ['f:e']]);
  assert.equal(a.union(b).size, 4);
  assert.deepEqual([...a.intersection(b)], [['f:b', 'f:c']]);
  assert.deepEqual([...a.difference(b)], [['f:a'], ['f:b', 'f:d']]);
  assert.ok(a.hasAtOrBelow(['f:b']));
  assert.ok(!a.hasAtOrBelow(['f:e']));
  assert.deepEqual([...a.withoutSubtree(['f:b'])], [['f:a']]);
});

test('malformed FieldsV1 is refused naming the element', () => {
  assert.throws(() => fromFieldsV1({ 'f:a': 'x' }), (err: unknown) => isInvalidArgument(err) && /\["f:a"\]: not an object/.test(String(err)));
  assert.throws(() => fromFieldsV1({ 'x:a': {} }), (err: unknown) => isInvalidArgument(err) && /invalid FieldsV1 element "x:a"/.test(String(err)));
  for (const bad of ['k:{"name":', 'k:"x"', 'v:{', 'i:x']) {
    assert.throws(() => fromFieldsV1({ 'f:l': { [bad]: {} } }), (err: unknown) => isInvalidArgument(err) && /invalid FieldsV1 element/.test(String(err)), bad);
  }
});
