import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInvalidArgument } from '../../lib/index.js';
import { loadDockerignore, patternMatcher } from './dockerignore.js';
import { cleanPath, containsWildcards, goMatch } from './gopath.js';

describe('goMatch (Go filepath.Match)', () => {
  const cases: [string, string, boolean][] = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[x\\-]', '-', true],
    ['*x', 'xxx', true],
  ];
  for (const [pattern, name, want] of cases) {
    it(`${pattern} vs ${name} → ${want}`, () => assert.equal(goMatch(pattern, name), want));
  }
  for (const bad of ['[]a]', '[-]', '[x-]', '[', '[^', '[^bc', 'a[', '\\', 'a\\', '[a-]']) {
    it(`refuses the malformed pattern ${JSON.stringify(bad)}`, () => {
      assert.throws(() => goMatch(bad, 'zzz'), isInvalidArgument);
    });
  }
  it('finds wildcards as the classic builder does', () => {
    assert.equal(containsWildcards('a*'), true);
    assert.equal(containsWildcards('a[b]'), true);
    assert.equal(containsWildcards('a?'), true);
    assert.equal(containsWildcards('a\\*'), false);
    assert.equal(containsWildcards('plain/file.txt'), false);
  });
  it('cleans paths like Go', () => {
    assert.equal(cleanPath(''), '.');
    assert.equal(cleanPath('a/./b/../c/'), 'a/c');
    assert.equal(cleanPath('../a/..'), '..');
    assert.equal(cleanPath('/../a'), '/a');
    assert.equal(cleanPath('//a//b'), '/a/b');
  });
});

describe('.dockerignore (moby/patternmatcher)', () => {
  // From patternmatcher's TestMatches: one pattern against one path.
  const single: [string, string, boolean][] = [
    ['**', 'file', true],
    ['**', 'file/', true],
    ['**/', 'file', true],
    ['**/', 'file/', true],
    ['**', '/', true],
    ['**/', '/', true],
    ['**', 'dir/file', true],
    ['**/', 'dir/file', true],
    ['**', 'dir/file/', true],
    ['**/**', 'dir/file', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/dir2/file', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true],
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true],
    ['**file', 'dir/dir/file', true],
    ['**/file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file.txt', true],
    ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt', 'dir/dir/file.txt', true],
    ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['**/**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false],
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false],
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcdef', false],
    ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['a\\\\', 'a\\', true],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a(b)c/def', 'a(b)c/xyz', false],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['a\\*b', 'a*b', true],
    ['a]b', 'a]b', true],
  ];
  for (const [pattern, path, want] of single) {
    it(`${pattern} excludes ${path}: ${want}`, () => assert.equal(patternMatcher([pattern]).excludes(path), want));
  }

  const multi: [string[], string, boolean][] = [
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
    [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    // Later lines win.
    [['*.md', '!README.md'], 'README.md', false],
    [['!README.md', '*.md'], 'README.md', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'README-public.md', false],
    // A parent directory excluded, a child re-included.
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs', '!docs/README.md'], 'docs/other.md', true],
    [['docs', '!docs/README.md'], 'docs', true],
    [['docs/'], 'docs/a/b', true],
    [['*/temp*'], 'somedir/temporary.txt', true],
    [['*/temp*'], 'somedir/temp', true],
    [['*/temp*'], 'temp', false],
    [['*/*/temp*'], 'somedir/subdir/temporary.txt', true],
    [['temp?'], 'tempa', true],
    [['temp?'], 'temp', false],
    [['/foo/bar'], 'foo/bar', true],
  ];
  for (const [patterns, path, want] of multi) {
    it(`${JSON.stringify(patterns)} excludes ${path}: ${want}`, () => {
      assert.equal(loadDockerignore(patterns.join('\n')).excludes(path), want);
    });
  }

  it('never excludes the context root', () => {
    assert.equal(patternMatcher(['**']).excludes('.'), false);
    assert.equal(patternMatcher(['*']).excludes(''), false);
  });

  it('reads the file as the docker CLI does: BOM, comments, spaces, cleaning, leading slash', () => {
    const text = '\uFEFF# a comment\n  # not a comment once trimmed? no: only a leading # is\n\n  /abs/path/  \r\n! spaced \nsome/../other\n./dot\n/\n';
    const matcher = loadDockerignore(text);
    assert.deepEqual(matcher.patterns, ['# not a comment once trimmed? no: only a leading # is', 'abs/path', '!spaced', 'other', 'dot', '/']);
    assert.equal(matcher.excludes('abs/path/x'), true);
    assert.equal(matcher.excludes('other'), true);
    assert.equal(matcher.excludes('dot'), true);
  });

  it('refuses a lone "!" and a malformed pattern, naming them', () => {
    assert.throws(() => loadDockerignore('a\n!\n'), (err: Error) => isInvalidArgument(err) && /line 2.*"!"/.test(err.message));
    assert.throws(() => loadDockerignore('ok\n[\n'), (err: Error) => isInvalidArgument(err) && err.message.includes('"["'));
  });
});
