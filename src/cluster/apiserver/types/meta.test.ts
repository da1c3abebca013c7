import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Causes, invalidMessage } from './causes.js';
import { evaluateJSONPath, parseJSONPath } from './jsonpath.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isQuantity, isValidPortName, quantityValue } from './names.js';

const check = (meta: Record<string, unknown>, namespaced = true): string[] => {
  const c = new Causes();
  validateObjectMeta(meta, { namespaced, nameCheck: isDNS1123Subdomain }, c);
  return c.list.map((x) => `${x.field}: ${x.message}`);
};

describe('object metadata', () => {
  it('accepts generateName in place of a name', () => {
    assert.deepEqual(check({ generateName: 'web-', namespace: 'default' }), []);
    assert.deepEqual(check({ generateName: 'Web-', namespace: 'default' }).length, 1);
  });

  it('checks owner references, finalizers and annotations', () => {
    const out = check({
      name: 'x', namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true }, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true }, { kind: 'X', name: 'c' }],
      finalizers: ['orphan', 'foregroundDeletion', 'bad finalizer'],
      annotations: { big: 'x'.repeat(256 * 1024) },
    });
    assert.deepEqual(out.map((l) => l.split(':')[0]), [
      'metadata.annotations',
      'metadata.ownerReferences.apiVersion', 'metadata.ownerReferences.uid', 'metadata.ownerReferences',
      'metadata.finalizers[2]', 'metadata.finalizers',
    ]);
    assert.ok(out.includes('metadata.annotations: Too long: may not be more than 262144 bytes'));
    assert.ok(out.some((l) => l.endsWith('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b')));
    assert.ok(out.includes('metadata.finalizers: Invalid value: "foregroundDeletion": finalizer foregroundDeletion and orphan cannot be both set'));
  });

  it('refuses changes to identity on update', () => {
    const c = new Causes();
    validateObjectMetaUpdate({ name: 'x', namespace: 'b', uid: '2', creationTimestamp: 't' }, { name: 'x', namespace: 'a', uid: '1', creationTimestamp: 't' }, c);
    assert.deepEqual(c.list.map((x) => `${x.field}: ${x.message}`), ['metadata.namespace: Invalid value: "b": field is immutable', 'metadata.uid: Invalid value: "2": field is immutable']);
  });

  it('words the 422 message as the API server does', () => {
    assert.equal(invalidMessage('Pod', 'x', [{ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' }]), 'Pod "x" is invalid: spec.containers: Required value');
    assert.equal(
      invalidMessage('Pod', 'x', [{ field: 'a', reason: 'FieldValueRequired', message: 'Required value' }, { field: 'b', reason: 'FieldValueForbidden', message: 'Forbidden: no' }]),
      'Pod "x" is invalid: [a: Required value, b: Forbidden: no]',
    );
  });
});

describe('names and values', () => {
  it('tells labels, subdomains and qualified names apart', () => {
    assert.deepEqual(isDNS1123Label('web-1'), []);
    assert.equal(isDNS1123Label('web.1').length, 1);
    assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
    assert.deepEqual(isDNS1123Subdomain('web.example.com'), []);
    assert.deepEqual(isQualifiedName('example.com/My_Name-1'), []);
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
    assert.match(isQualifiedName('a/b/c')[0] ?? '', /^a qualified name must consist of/);
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('80'), ['must contain at least one letter (a-z)']);
  });

  it('parses addresses and quantities', () => {
    for (const ip of ['10.0.0.1', '::1', 'fe80::1', '2001:db8::ffff:1.2.3.4']) assert.equal(isIP(ip), true, ip);
    for (const ip of ['10.0.0.256', '1.2.3', 'fe80:::1', 'x']) assert.equal(isIP(ip), false, ip);
    for (const q of ['100m', '1Gi', '2', '1.5', '1e3', 512]) assert.equal(isQuantity(q), true, String(q));
    for (const q of ['1 Gi', 'lots', '1GiB', '']) assert.equal(isQuantity(q), false, q);
    assert.equal(quantityValue('1Gi'), 1024 ** 3);
    assert.equal(quantityValue('250m'), 0.25);
    assert.equal(quantityValue('2k'), 2000);
  });
});

describe('JSONPath subset', () => {
  const obj = { spec: { replicas: 3, 'dotted.key': 'd', list: [{ n: 'a', v: 1 }, { n: 'b', v: 2 }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  it('selects fields, indices, wildcards and filters', () => {
    const get = (p: string): unknown[] => evaluateJSONPath(parseJSONPath(p), obj);
    assert.deepEqual(get('.spec.replicas'), [3]);
    assert.deepEqual(get('{.spec.replicas}'), [3]);
    assert.deepEqual(get(".spec['dotted.key']"), ['d']);
    assert.deepEqual(get('.spec.list[1].n'), ['b']);
    assert.deepEqual(get('.spec.list[-1].v'), [2]);
    assert.deepEqual(get('.spec.list[*].n'), ['a', 'b']);
    assert.deepEqual(get('.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(get('.status.conditions[?(@.type!="Ready")].status'), []);
    assert.deepEqual(get('.spec.missing.deeper'), []);
  });
  it('refuses what it does not understand', () => {
    assert.throws(() => parseJSONPath('spec.replicas'), /must start with/);
    assert.throws(() => parseJSONPath('.spec[?(@.a > 1)]'), /unsupported expression/);
    assert.throws(() => parseJSONPath('.spec[0'), /unterminated/);
  });
});
