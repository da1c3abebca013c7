import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../../lib/index.js';
import type { Instruction } from './ast.js';
import { DockerfileError } from './errors.js';
import { lex } from './lexer.js';
import { parseInstruction } from './instructions.js';

/** Parses `FROM scratch` + the given text and returns the instructions after FROM. */
function parse(text: string): Instruction[] {
  const { directives, lines } = lex(`FROM scratch\n${text}`, 'Dockerfile');
  return lines.slice(1).map((l) => parseInstruction(l, { file: 'Dockerfile', escape: directives.escape }));
}
const one = (text: string): Instruction => {
  const [i] = parse(text);
  assert.ok(i);
  return i;
};
/** Drops range/original so cases stay short. */
function shape(i: Instruction): object {
  const { range: _r, original: _o, ...rest } = i;
  if (rest.kind === 'ONBUILD') return { ...rest, trigger: shape(rest.trigger) };
  return rest;
}

describe('parseInstruction', () => {
  const cases: [string, object][] = [
    ['from --platform=$BUILDPLATFORM golang:1.22 AS Build', { kind: 'FROM', image: 'golang:1.22', name: 'build', platform: '$BUILDPLATFORM' }],
    ['RUN echo hi', { kind: 'RUN', command: { form: 'shell', script: 'echo hi' }, mounts: [], heredocs: [] }],
    ['RUN ["echo", "a b"]', { kind: 'RUN', command: { form: 'exec', args: ['echo', 'a b'] }, mounts: [], heredocs: [] }],
    ["RUN ['echo', 'x']", { kind: 'RUN', command: { form: 'shell', script: "['echo', 'x']" }, mounts: [], heredocs: [] }],
    ['RUN ["echo", "x"] extra', { kind: 'RUN', command: { form: 'shell', script: '["echo", "x"] extra' }, mounts: [], heredocs: [] }],
    [
      'RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=x --network=none --security=insecure go build',
      { kind: 'RUN', command: { form: 'shell', script: 'go build' }, mounts: ['type=cache,target=/root/.cache', 'type=secret,id=x'], network: 'none', security: 'insecure', heredocs: [] },
    ],
    ['CMD []', { kind: 'CMD', command: { form: 'exec', args: [] } }],
    ['ENTRYPOINT ["/bin/app", "--flag"]', { kind: 'ENTRYPOINT', command: { form: 'exec', args: ['/bin/app', '--flag'] } }],
    ['SHELL ["powershell", "-command"]', { kind: 'SHELL', shell: ['powershell', '-command'] }],
    ['ENV A=1 B="two words" C=three\\ words', { kind: 'ENV', pairs: [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: 'three\\ words' }] }],
    ['ENV LEGACY some value here', { kind: 'ENV', pairs: [{ key: 'LEGACY', value: 'some value here' }] }],
    ['ARG A B=2 C="x y"', { kind: 'ARG', args: [{ name: 'A' }, { name: 'B', default: '2' }, { name: 'C', default: '"x y"' }] }],
    ['LABEL org.opencontainers.image.title="berth app" v=1', { kind: 'LABEL', pairs: [{ key: 'org.opencontainers.image.title', value: '"berth app"' }, { key: 'v', value: '1' }] }],
    ['LABEL legacy a b', { kind: 'LABEL', pairs: [{ key: 'legacy', value: 'a b' }] }],
    ['EXPOSE 80 443/udp $P', { kind: 'EXPOSE', ports: ['80', '443/udp', '$P'] }],
    [
      'COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=*.txt /out/app "/usr/local/bin/"',
      { kind: 'COPY', sources: ['/out/app'], dest: '"/usr/local/bin/"', json: false, from: 'build', chown: 'app:app', chmod: '0755', link: true, parents: false, exclude: ['*.md', '*.txt'], heredocs: [] },
    ],
    ['COPY ["a b", "c", "/d/"]', { kind: 'COPY', sources: ['a b', 'c'], dest: '/d/', json: true, link: false, parents: false, exclude: [], heredocs: [] }],
    ['COPY --link=false a b', { kind: 'COPY', sources: ['a'], dest: 'b', json: false, link: false, parents: false, exclude: [], heredocs: [] }],
    [
      'ADD --checksum=sha256:abc --keep-git-dir https://x/y.tgz /src',
      { kind: 'ADD', sources: ['https://x/y.tgz'], dest: '/src', json: false, checksum: 'sha256:abc', link: false, keepGitDir: true, exclude: [], heredocs: [] },
    ],
    ['WORKDIR /a b', { kind: 'WORKDIR', path: '/a b' }],
    ['USER app:app', { kind: 'USER', user: 'app:app' }],
    ['VOLUME /a /b', { kind: 'VOLUME', paths: ['/a', '/b'] }],
    ['VOLUME ["/data"]', { kind: 'VOLUME', paths: ['/data'] }],
    ['STOPSIGNAL SIGTERM', { kind: 'STOPSIGNAL', signal: 'SIGTERM' }],
    ['HEALTHCHECK NONE', { kind: 'HEALTHCHECK', test: { type: 'none' }, options: {} }],
    [
      'HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --start-interval=250ms --retries=3 CMD curl -f http://localhost/ || exit 1',
      {
        kind: 'HEALTHCHECK',
        test: { type: 'cmd', command: { form: 'shell', script: 'curl -f http://localhost/ || exit 1' } },
        options: { interval: 30e9, timeout: 90e9, startPeriod: 1.5e9, startInterval: 250e6, retries: 3 },
      },
    ],
    ['HEALTHCHECK cmd ["/bin/check"]', { kind: 'HEALTHCHECK', test: { type: 'cmd', command: { form: 'exec', args: ['/bin/check'] } }, options: {} }],
    ['ONBUILD RUN make', { kind: 'ONBUILD', expression: 'RUN make', trigger: { kind: 'RUN', command: { form: 'shell', script: 'make' }, mounts: [], heredocs: [] } }],
    ['ONBUILD copy . /src', { kind: 'ONBUILD', expression: 'copy . /src', trigger: { kind: 'COPY', sources: ['.'], dest: '/src', json: false, link: false, parents: false, exclude: [], heredocs: [] } }],
    ['MAINTAINER Jane <jane@example.com>', { kind: 'MAINTAINER', maintainer: 'Jane <jane@example.com>' }],
  ];
  for (const [text, want] of cases) {
    it(text, () => assert.deepEqual(shape(one(text)), want));
  }

  it('keeps heredocs on RUN and COPY', () => {
    const [run, copy] = parse('RUN <<EOF\necho a\nEOF\nCOPY <<one <<two /etc/\nfile one\none\nfile two\ntwo\n');
    assert.equal(run?.kind, 'RUN');
    if (run?.kind === 'RUN') assert.deepEqual(run.command, { form: 'shell', script: '<<EOF' });
    assert.equal(copy?.kind, 'COPY');
    if (copy?.kind === 'COPY') {
      assert.deepEqual(copy.sources, []);
      assert.equal(copy.dest, '/etc/');
      assert.deepEqual(copy.heredocs.map((h) => [h.name, h.content]), [['one', 'file one\n'], ['two', 'file two\n']]);
      assert.deepEqual(copy.range, { start: 5, end: 9 });
    }
  });

  it('records the source range and original text', () => {
    const i = one('RUN a \\\n  b');
    assert.deepEqual(i.range, { start: 2, end: 3 });
    assert.equal(i.original, 'RUN a   b');
  });

  /** [text after FROM scratch, message pattern, line]; line 1 is the FROM. */
  const errors: [string, RegExp, number][] = [
    ['\nFROMM x', /unknown instruction: FROMM/, 3],
    ['RUN', /RUN requires at least one argument/, 2],
    ['CMD', /CMD requires/, 2],
    ['SHELL /bin/sh -c', /SHELL requires the arguments to be in JSON form/, 2],
    ['SHELL []', /SHELL requires at least one argument/, 2],
    ['CMD ["a", 1]', /JSON array must hold strings only/, 2],
    ['COPY onlyone', /COPY requires at least two arguments/, 2],
    ['ADD', /ADD requires at least two arguments/, 2],
    ['COPY --frm=x a b', /unknown flag --frm for COPY/, 2],
    ['RUN --from=x echo', /unknown flag --from for RUN/, 2],
    ['WORKDIR --x=1 /a', /unknown flag --x for WORKDIR/, 2],
    ['COPY --from a b', /--from of COPY needs a value/, 2],
    ['COPY --link=yes a b', /expects true or false/, 2],
    ['COPY --from=a --from=b a b', /given twice/, 2],
    ['ENV', /ENV requires at least one argument/, 2],
    ['ENV A', /ENV A: missing value/, 2],
    ['ENV A=1 B', /can't find = in "B"/, 2],
    ['ENV =1', /names can not be blank/, 2],
    ['ARG =x', /ARG names can not be blank/, 2],
    ['WORKDIR', /WORKDIR requires exactly one argument/, 2],
    ['STOPSIGNAL a b', /STOPSIGNAL requires exactly one argument/, 2],
    ['VOLUME [""]', /VOLUME paths can not be empty/, 2],
    ['HEALTHCHECK NONE x', /HEALTHCHECK NONE takes no arguments/, 2],
    ['HEALTHCHECK --retries=1 NONE', /HEALTHCHECK NONE takes no arguments/, 2],
    ['HEALTHCHECK PING x', /unknown HEALTHCHECK type "PING"/, 2],
    ['HEALTHCHECK CMD', /HEALTHCHECK CMD requires a command/, 2],
    ['HEALTHCHECK --interval=5 CMD x', /--interval: invalid duration "5"/, 2],
    ['HEALTHCHECK --timeout=10us CMD x', /--timeout cannot be less than 1ms/, 2],
    ['HEALTHCHECK --retries=-1 CMD x', /--retries cannot be negative/, 2],
    ['ONBUILD ONBUILD RUN x', /chaining ONBUILD/, 2],
    ['ONBUILD FROM x', /FROM isn't allowed as an ONBUILD trigger/, 2],
    ['ONBUILD MAINTAINER x', /MAINTAINER isn't allowed as an ONBUILD trigger/, 2],
    ['ONBUILD BOGUS x', /unknown instruction: BOGUS/, 2],
    ['FROM a b', /FROM requires either one or three arguments/, 2],
    ['FROM a AS 1st', /invalid stage name "1st"/, 2],
    ['RUN a \\\n  b\nRUN <<EOF\n', /unterminated heredoc/, 4],
    ['COPY a <<EOF\nx\nEOF', /COPY cannot accept a heredoc as a destination/, 2],
  ];
  for (const [text, pattern, line] of errors) {
    it(`error: ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parse(text),
        (e: unknown) => {
          assert.ok(e instanceof DockerfileError, String(e));
          assert.ok(isInvalidArgument(e));
          assert.match(e.message, pattern);
          assert.equal(e.line, line);
          assert.ok(e.message.startsWith(`Dockerfile:${line}: `), e.message);
          return true;
        },
      );
    });
  }
});
