import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './index.js';

test('RFC 7386 appendix A examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, want] of cases) {
    assert.deepEqual(applyMergePatch(doc, patch), want, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
  }
});

test('lists are replaced whole and the inputs are left alone', () => {
  const doc = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b' }] } };
  const patch = { metadata: { labels: { tier: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:2' }] } };
  const before = structuredClone(doc);
  const out = applyMergePatch(doc, patch) as typeof doc;
  assert.deepEqual(out, { metadata: { labels: { app: 'x', tier: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:2' }] } });
  assert.deepEqual(doc, before);
  out.metadata.labels.app = 'changed';
  assert.equal(doc.metadata.labels.app, 'x');
  (out.spec.containers[0] as { image: string }).image = 'mutated';
  assert.equal(patch.spec.containers[0]?.image, 'a:2');
});
