import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../../lib/index.js';
import { expand, expandHeredoc, expandWords } from './expand.js';

const env = { A: 'a', EMPTY: '', SP: 'x y', PORTS: '80 443/udp' };

describe('expand', () => {
  const cases: [string, string][] = [
    ['$A', 'a'],
    ['${A}', 'a'],
    ['pre${A}post', 'preapost'],
    ['$A-b', 'a-b'],
    ['$UNSET', ''],
    ['${UNSET:-x}', 'x'],
    ['${EMPTY:-x}', 'x'],
    ['${EMPTY-x}', ''],
    ['${UNSET-x}', 'x'],
    ['${A:-x}', 'a'],
    ['${A:+x}', 'x'],
    ['${EMPTY:+x}', ''],
    ['${EMPTY+x}', 'x'],
    ['${UNSET+x}', ''],
    ['${UNSET:-$A}', 'a'],
    ['${UNSET:-${A}b}', 'ab'],
    ['\\$A', '$A'],
    ["'$A'", '$A'],
    ['"$A"', 'a'],
    ['"\\$A"', '$A'],
    ['"a b"', 'a b'],
    ["'it''s'", 'its'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"C:\\dir"', 'C:\\dir'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$-x', '$-x'],
    ['${A:?boom}', 'a'],
  ];
  for (const [word, want] of cases) {
    it(`${word} → ${JSON.stringify(want)}`, () => assert.equal(expand(word, env), want));
  }

  it('accepts a Map', () => assert.equal(expand('$A', new Map([['A', 'm']])), 'm'));
  it('does not see Object prototype names', () => assert.equal(expand('$constructor', {}), ''));

  it('with the backtick escape, backslashes are literal (Windows paths)', () => {
    assert.equal(expand('C:\\Program Files\\$A', env, { escape: '`' }), 'C:\\Program Files\\a');
    assert.equal(expand('`$A', env, { escape: '`' }), '$A');
  });

  it('errors are invalid-argument', () => {
    for (const bad of ['${UNSET:?must be set}', '${A', '${}', '${A%x}', '"open', "'open"]) {
      assert.throws(() => expand(bad, env), (e: unknown) => isInvalidArgument(e), bad);
    }
    assert.throws(() => expand('${UNSET:?must be set}', env), /UNSET: must be set/);
    assert.throws(() => expand('${EMPTY:?}', env), /EMPTY/);
    assert.equal(expand('${EMPTY?}', env), '');
  });

  it('expandWords splits expanded values (EXPOSE $PORTS)', () => {
    assert.deepEqual(expandWords(['$PORTS', '8080'], env), ['80', '443/udp', '8080']);
  });

  it('expandHeredoc keeps quotes and only escapes $', () => {
    assert.equal(expandHeredoc('echo "$A" \'$A\' \\$A \\n\n', env), 'echo "a" \'a\' $A \\n\n');
  });
});
