import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lex } from './lexer.js';
import { DockerfileError } from './errors.js';

const brief = (text: string) => lex(text, 'Dockerfile').lines.map((l) => [l.keyword, l.args, l.range.start, l.range.end]);

describe('lex', () => {
  it('drops comments and blank lines, keeps line ranges', () => {
    assert.deepEqual(brief('# c\n\nFROM a\n  # indented comment\nRUN x\n'), [
      ['FROM', 'a', 3, 3],
      ['RUN', 'x', 5, 5],
    ]);
  });

  it('joins continuations without inserting spaces, skipping comments and empty lines', () => {
    const text = 'FROM a\nRUN apt-get update && \\\n# comment inside\n\n    apt-get install -y x \\  \n  && echo done\nRUN a\\\nb\n';
    assert.deepEqual(brief(text), [
      ['FROM', 'a', 1, 1],
      ['RUN', 'apt-get update &&     apt-get install -y x   && echo done', 2, 6],
      ['RUN', 'ab', 7, 8],
    ]);
  });

  it('a continuation open at end of file ends the instruction', () => {
    assert.deepEqual(brief('FROM a\nRUN x \\'), [['FROM', 'a', 1, 1], ['RUN', 'x', 2, 2]]);
  });

  it('handles CRLF and a byte-order mark', () => {
    assert.deepEqual(brief('\uFEFFFROM a\r\nRUN b \\\r\n c\r\n'), [['FROM', 'a', 1, 1], ['RUN', 'b  c', 2, 3]]);
  });

  describe('parser directives', () => {
    it('reads syntax and escape with case-insensitive keys and loose spacing', () => {
      const r = lex('# SYNTAX = docker/dockerfile:1\n#Escape=`\nFROM a\n', 'D');
      assert.equal(r.directives.syntax, 'docker/dockerfile:1');
      assert.equal(r.directives.escape, '`');
    });
    it('are ignored after a blank line, a comment, an unknown directive or an instruction', () => {
      for (const text of ['\n# escape=`\nFROM a', '# hello\n# escape=`\nFROM a', '# foo=bar\n# escape=`\nFROM a', 'FROM a\n# escape=`']) {
        assert.equal(lex(text, 'D').directives.escape, '\\', text);
      }
    });
    it('rejects a repeated directive and a bad escape token, naming the line', () => {
      assert.throws(() => lex('# escape=`\n# escape=\\\nFROM a', 'D'), /D:2: only one escape/);
      assert.throws(() => lex('# escape=x\nFROM a', 'D'), (e: unknown) => e instanceof DockerfileError && e.line === 1);
    });
    it('the backtick escape continues lines and leaves backslashes alone', () => {
      const r = lex('# escape=`\nFROM mcr.microsoft.com/windows\nCOPY testfile.txt c:\\ `\n  c:\\dest\\\nRUN dir c:\\\n', 'D');
      assert.deepEqual(r.lines.map((l) => l.args), ['mcr.microsoft.com/windows', 'testfile.txt c:\\   c:\\dest\\', 'dir c:\\']);
    });
  });

  describe('heredocs', () => {
    it('reads a body until the delimiter', () => {
      const r = lex('FROM a\nRUN <<EOF\necho hi\n  echo $X\nEOF\nRUN b\n', 'D');
      const run = r.lines[1];
      assert.equal(run?.args, '<<EOF');
      assert.deepEqual(run?.heredocs, [{ name: 'EOF', content: 'echo hi\n  echo $X\n', expand: true, chomp: false }]);
      assert.deepEqual(run?.range, { start: 2, end: 5 });
      assert.equal(r.lines[2]?.range.start, 6);
    });
    it('<<- strips leading tabs from body and delimiter; quoted names disable expansion', () => {
      const r = lex('FROM a\nRUN <<-"EOT"\n\t\techo $X\n\tEOT\n', 'D');
      assert.deepEqual(r.lines[1]?.heredocs, [{ name: 'EOT', content: 'echo $X\n', expand: false, chomp: true }]);
    });
    it('reads several heredocs on one line in order, with file descriptors', () => {
      const r = lex("FROM a\nRUN <<A cat /dev/stdin 3<<'B'\none\nA\ntwo\nB\n", 'D');
      assert.deepEqual(r.lines[1]?.heredocs, [
        { name: 'A', content: 'one\n', expand: true, chomp: false },
        { name: 'B', content: 'two\n', expand: false, chomp: false, fd: 3 },
      ]);
    });
    it('COPY <<EOF /dest', () => {
      const r = lex('FROM a\nCOPY <<EOF /etc/x.conf\nk=v\nEOF\n', 'D');
      assert.equal(r.lines[1]?.heredocs[0]?.content, 'k=v\n');
    });
    it('is not a heredoc inside quotes or on other instructions', () => {
      const r = lex('FROM a\nRUN echo "<<EOF"\nENV A=<<EOF\n', 'D');
      assert.deepEqual(r.lines.map((l) => l.heredocs.length), [0, 0, 0]);
    });
    it('an unterminated heredoc is an error at its instruction', () => {
      assert.throws(() => lex('FROM a\n\nRUN <<EOF\necho\n', 'D'), /D:3: unterminated heredoc.*EOF/);
    });
  });
});
