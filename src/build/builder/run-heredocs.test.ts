import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lex, parseInstruction, type RunInstruction } from '../dockerfile/index.js';
import { heredocRun } from './run-heredocs.js';

function run(text: string): RunInstruction {
  const [line] = lex(text, 'Dockerfile').lines;
  assert.ok(line);
  const ins = parseInstruction(line, { file: 'Dockerfile', escape: '\\' });
  assert.equal(ins.kind, 'RUN');
  return ins;
}

describe('RUN heredocs', () => {
  it('leaves a RUN without heredocs as it is', () => {
    assert.deepEqual(heredocRun(run('RUN echo hi')), { command: { form: 'shell', script: 'echo hi' } });
  });

  it('runs a lone heredoc body as the shell script, quoted or not', () => {
    assert.deepEqual(heredocRun(run('RUN <<EOF\necho $A\nEOF')), { command: { form: 'shell', script: 'echo $A\n' } });
    assert.deepEqual(heredocRun(run("RUN <<'EOF'\necho $A\nEOF")), { command: { form: 'shell', script: 'echo $A\n' } });
    assert.deepEqual(heredocRun(run('RUN <<-EOF\n\techo tab\n\tEOF')), { command: { form: 'shell', script: 'echo tab\n' } });
  });

  it('makes a lone heredoc that starts with #! a script the shell executes from /dev/pipes', () => {
    assert.deepEqual(heredocRun(run('RUN <<PY\n#!/usr/bin/python3\nprint(1)\nPY')), {
      command: { form: 'shell', script: '/dev/pipes/PY' },
      script: { name: 'PY', content: '#!/usr/bin/python3\nprint(1)\n' },
    });
  });

  it('puts the command and several bodies back together for the shell', () => {
    assert.deepEqual(heredocRun(run('RUN <<A cat - /proc/self/fd/3 3<<"B"\na $X\nA\nb\nB')), {
      command: { form: 'shell', script: '<<A cat - /proc/self/fd/3 3<<"B"\na $X\nA\nb\nB' },
    });
    assert.deepEqual(heredocRun(run('RUN python3 <<EOF\n#!/not/a/script\nEOF')), { command: { form: 'shell', script: 'python3 <<EOF\n#!/not/a/script\nEOF' } });
  });
});
