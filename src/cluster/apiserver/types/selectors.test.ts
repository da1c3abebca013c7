import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInvalidArgument } from '../../../lib/errors.js';
import { formatLabelSelector, labelSelectorFromObject, parseFieldSelector, parseLabelSelector } from './index.js';

const labels = { app: 'web', tier: 'front', version: '3' };

describe('parseLabelSelector', () => {
  it('matches equality, inequality, sets, existence and numeric comparisons', () => {
    const cases: Array<[string, boolean]> = [
      ['', true],
      ['app=web', true],
      ['app==web', true],
      ['app=db', false],
      ['app!=db', true],
      ['app!=web', false],
      ['missing!=x', true],
      ['app in (web,db)', true],
      ['app in (db)', false],
      ['app notin (db, cache)', true],
      ['missing notin (x)', true],
      ['app', true],
      ['missing', false],
      ['!missing', true],
      ['!app', false],
      ['app=web,tier=front', true],
      ['app=web, tier=back', false],
      ['version>2', true],
      ['version<3', false],
      ['missing>1', false],
      ['app=web,!missing,tier in (front)', true],
    ];
    for (const [expr, expected] of cases) assert.equal(parseLabelSelector(expr).matches(labels), expected, expr);
    assert.equal(parseLabelSelector('app').matches(undefined), false);
    assert.equal(parseLabelSelector('!app').matches(undefined), true);
    assert.equal(parseLabelSelector('app=').matches({ app: '' }), true);
  });

  it('refuses malformed selectors with Kubernetes-worded errors', () => {
    const cases: Array<[string, RegExp]> = [
      ['app=web tier', /found 'tier', expected: ',' or 'end of string'/],
      ['app in web', /found 'web', expected: '\('/],
      ['app in (web', /found '', expected: ',', '\)' or identifier/],
      ['app in ()', /values set can't be empty/],
      ['=web', /found '=', expected: identifier/],
      ['app ~ web', /found '~', expected: in, notin, =, ==, !=, gt, lt/],
      ['a/b/c=d', /key: Invalid value: "a\/b\/c"/],
      ['app=not valid', /found 'valid', expected: ',' or 'end of string'/],
      ['version>x', /must be an integer/],
      ['app=-bad-', /values\[0\]\[app\]: Invalid value: "-bad-"/],
      ['!app=web', /found '=', expected: ',' or 'end of string'/],
    ];
    for (const [expr, re] of cases) {
      assert.throws(() => parseLabelSelector(expr), (err: unknown) => isInvalidArgument(err) && re.test((err as Error).message), expr);
    }
  });
});

describe('labelSelectorFromObject', () => {
  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }, { key: 'gone', operator: 'DoesNotExist' }] });
    assert.equal(sel.matches(labels), true);
    assert.equal(sel.matches({ app: 'web', tier: 'mid' }), false);
    assert.equal(sel.matches({ app: 'web', tier: 'back', gone: 'x' }), false);
    assert.equal(labelSelectorFromObject({}).matches({}), true);
  });

  it('refuses unknown operators and values on Exists', () => {
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }), /"Equals" is not a valid label selector operator/);
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] }), /values set must be empty/);
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /can't be empty/);
  });

  it('formats selectors as kubectl prints them', () => {
    assert.equal(formatLabelSelector({ matchLabels: { tier: 'front', app: 'web' } }), 'app=web,tier=front');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod', 'dev'] }, { key: 'a', operator: 'Exists' }] }), 'a,env notin (dev,prod)');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
  });
});

describe('parseFieldSelector', () => {
  const fields = { 'metadata.name': 'web-1', 'status.phase': 'Running', 'spec.nodeName': '' };

  it('matches = == and != requirements, missing fields reading as empty', () => {
    assert.equal(parseFieldSelector('').matches(fields), true);
    assert.equal(parseFieldSelector('metadata.name=web-1').matches(fields), true);
    assert.equal(parseFieldSelector('metadata.name==web-2').matches(fields), false);
    assert.equal(parseFieldSelector('status.phase!=Pending,metadata.name=web-1').matches(fields), true);
    assert.equal(parseFieldSelector('spec.nodeName=').matches(fields), true);
    assert.equal(parseFieldSelector('spec.unknown!=x').matches(fields), true);
    assert.deepEqual(parseFieldSelector('a=b,c!=d').requirements, [{ field: 'a', op: '=', value: 'b' }, { field: 'c', op: '!=', value: 'd' }]);
  });

  it('unescapes values and refuses malformed terms', () => {
    assert.deepEqual(parseFieldSelector('a=x\\,y\\=z').requirements, [{ field: 'a', op: '=', value: 'x,y=z' }]);
    assert.throws(() => parseFieldSelector('metadata.name'), (e: unknown) => isInvalidArgument(e) && /invalid selector: 'metadata.name'; can't understand 'metadata.name'/.test((e as Error).message));
    assert.throws(() => parseFieldSelector('=x'), /can't understand/);
    assert.throws(() => parseFieldSelector('a=b\\q'), /invalid escape/);
  });
});
