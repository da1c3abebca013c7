import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError } from './errors.js';
import { StageScope } from './scope.js';
import { findStage, parseDockerfile, stagesNeeded, targetStage, type Dockerfile, type Stage } from './stages.js';

const multiStage = `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG BASE=alpine
FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION} AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/root/.cache/go-build \\
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM build AS test
RUN go test ./...

FROM \${BASE}:3.19 AS docs-tools
RUN apk add mkdocs

FROM \${BASE}:3.19
COPY --from=build /out/app /usr/local/bin/app
COPY --from=0 /etc/ssl /etc/ssl
RUN --mount=type=bind,from=nginx:latest,source=/etc/nginx,target=/n true
ENTRYPOINT ["app"]
`;

const names = (stages: Stage[]): (string | number)[] => stages.map((s) => s.name ?? s.index);

function parseError(text: string, line: number, pattern: RegExp, options = {}): void {
  assert.throws(
    () => parseDockerfile(text, options),
    (e: unknown) => {
      assert.ok(e instanceof DockerfileError, String(e));
      assert.equal(e.line, line, e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('parseDockerfile', () => {
  const df: Dockerfile = parseDockerfile(multiStage, { platform: 'linux/arm64', buildPlatform: 'linux/amd64' });

  it('reads directives, meta args and stages', () => {
    assert.equal(df.directives.syntax, 'docker/dockerfile:1');
    assert.deepEqual(df.metaArgs.map((a) => [a.name, a.value]), [['GO_VERSION', '1.22'], ['BASE', 'alpine']]);
    assert.deepEqual(df.stages.map((s) => [s.name, s.base, s.platform, s.range.start, s.range.end]), [
      ['build', 'golang:1.22', 'linux/amd64', 4, 8],
      ['test', 'build', undefined, 10, 11],
      ['docs-tools', 'alpine:3.19', undefined, 13, 14],
      [undefined, 'alpine:3.19', undefined, 16, 20],
    ]);
    assert.equal(df.stages[1]?.baseStage, 0);
    assert.deepEqual(df.stages[3]?.dependencies, [
      { kind: 'image', ref: 'alpine:3.19', line: 16 },
      { kind: 'stage', index: 0, line: 17 },
      { kind: 'stage', index: 0, line: 18 },
      { kind: 'image', ref: 'nginx:latest', line: 19 },
    ]);
  });

  it('build args override meta arg defaults in FROM lines', () => {
    const d = parseDockerfile(multiStage, { buildArgs: { GO_VERSION: '1.21', BASE: 'debian' } });
    assert.deepEqual(d.stages.map((s) => s.base), ['golang:1.21', 'build', 'debian:3.19', 'debian:3.19']);
  });

  it('finds stages by name or index and selects targets', () => {
    assert.equal(findStage(df, 'BUILD')?.index, 0);
    assert.equal(findStage(df, '2')?.name, 'docs-tools');
    assert.equal(findStage(df, 'nope'), undefined);
    assert.equal(targetStage(df).index, 3);
    assert.equal(targetStage(df, 'test').index, 1);
    assert.throws(() => targetStage(df, 'nope'), /target stage "nope" could not be found/);
  });

  it('computes the stages a target needs, skipping the rest', () => {
    assert.deepEqual(names(stagesNeeded(df)), ['build', 3]);
    assert.deepEqual(names(stagesNeeded(df, 'test')), ['build', 'test']);
    assert.deepEqual(names(stagesNeeded(df, 'docs-tools')), ['docs-tools']);
  });

  it('follows --from values that use stage ARGs', () => {
    const d = parseDockerfile('FROM a AS one\nFROM b AS two\nFROM c\nARG SRC=two\nCOPY --from=$SRC /x /x\n');
    assert.deepEqual(names(stagesNeeded(d)), ['two', 2]);
  });

  it('predefined platform args are global without declaration', () => {
    const d = parseDockerfile('FROM --platform=$TARGETPLATFORM img-$TARGETARCH$TARGETVARIANT\n', { platform: 'linux/arm/v7' });
    assert.equal(d.stages[0]?.base, 'img-armv7');
    assert.equal(d.stages[0]?.platform, 'linux/arm/v7');
  });

  it('scratch is neither an image nor a stage dependency', () => {
    assert.deepEqual(parseDockerfile('FROM scratch\n').stages[0]?.dependencies, []);
  });

  describe('errors name file and line', () => {
    it('instruction before FROM', () => parseError('ARG A\n# c\nRUN x\nFROM a\n', 3, /RUN before the first FROM: only ARG/));
    it('no FROM at all', () => parseError('ARG A\n', 1, /no FROM instruction/));
    it('COPY --from a later stage', () => parseError('FROM a\nCOPY --from=later /x /x\nFROM b AS later\n', 2, /stage "later" is defined on line 3, after this use/));
    it('COPY --from its own stage', () => parseError('FROM a AS self\nCOPY --from=self /x /x\n', 2, /after this use/));
    it('COPY --from an index not yet defined', () => parseError('FROM a\nCOPY --from=1 /x /x\nFROM b\n', 2, /stage 1 is not defined before this stage/));
    it('RUN --mount from a later stage', () => parseError('FROM a\nRUN --mount=from=b,target=/b true\nFROM c AS b\n', 2, /RUN --mount from=b/));
    it('duplicate stage name', () => parseError('FROM a AS x\nFROM b AS X\n', 2, /duplicate stage name "x", first defined on line 1/));
    it('empty base', () => parseError('ARG IMG\nFROM $IMG\n', 2, /expands to an empty string/));
    it('bad substitution in FROM', () => parseError('\nFROM ${IMG:?unset}\n', 2, /IMG: unset/));
    it('uses the file option', () => assert.throws(() => parseDockerfile('FROMM', { file: 'app/Dockerfile.dev' }), /^DockerfileError: app\/Dockerfile\.dev:1: unknown instruction: FROMM$/m));
  });
});

describe('StageScope', () => {
  const scopeFor = (text: string, buildArgs: Record<string, string> = {}, baseEnv: Record<string, string> = {}) => {
    const d = parseDockerfile(text, { buildArgs, platform: 'linux/arm64' });
    const stage = d.stages[d.stages.length - 1];
    assert.ok(stage);
    const scope = new StageScope({ file: d.file, escape: d.directives.escape, buildArgs, metaArgs: d.globalScope, platformArgs: d.platformArgs, baseEnv });
    const out = stage.instructions.map((i) => scope.apply(i));
    return { out, scope };
  };

  it('expands only where Docker does, with ARG, ENV and base image ENV', () => {
    const text = [
      'ARG VERSION=1.0',
      'FROM alpine',
      'ARG VERSION',
      'ARG USER=app',
      'ENV HOME=/home/$USER APP="my app" VER=$VERSION',
      'WORKDIR $HOME/${SUB:-src}',
      'USER ${USER}',
      'LABEL v=$VER path=$PATH',
      'COPY --chown=$USER a$VER /opt/$APP/',
      'RUN echo $HOME',
      'CMD ["echo", "$HOME"]',
      'EXPOSE ${PORTS}',
      'VOLUME $HOME/data',
      'STOPSIGNAL $SIG',
    ].join('\n');
    const { out, scope } = scopeFor(text, { SIG: 'ignored', HTTP_PROXY: 'http://proxy:3128' }, { PATH: '/usr/bin' });
    const get = (kind: string) => out.find((i) => i.kind === kind);
    assert.deepEqual((get('ENV') as { pairs: unknown }).pairs, [{ key: 'HOME', value: '/home/app' }, { key: 'APP', value: 'my app' }, { key: 'VER', value: '1.0' }]);
    assert.equal((get('WORKDIR') as { path: string }).path, '/home/app/src');
    assert.equal((get('USER') as { user: string }).user, 'app');
    assert.deepEqual((get('LABEL') as { pairs: unknown }).pairs, [{ key: 'v', value: '1.0' }, { key: 'path', value: '/usr/bin' }]);
    const copy = get('COPY') as { chown: string; sources: string[]; dest: string };
    assert.deepEqual([copy.chown, copy.sources, copy.dest], ['app', ['a1.0'], '/opt/my app/']);
    assert.deepEqual((get('RUN') as { command: unknown }).command, { form: 'shell', script: 'echo $HOME' });
    assert.deepEqual((get('CMD') as { command: unknown }).command, { form: 'exec', args: ['echo', '$HOME'] });
    assert.deepEqual((get('EXPOSE') as { ports: string[] }).ports, []);
    assert.deepEqual((get('VOLUME') as { paths: string[] }).paths, ['/home/app/data']);
    // SIG was passed as a build arg but never declared in the stage: not visible.
    assert.equal((get('STOPSIGNAL') as { signal: string }).signal, '');
    const env = scope.runEnv();
    assert.equal(env.VERSION, '1.0');
    assert.equal(env.HTTP_PROXY, 'http://proxy:3128');
    assert.equal(env.SIG, undefined);
    assert.equal(env.PATH, '/usr/bin');
  });

  it('meta args are not visible in a stage unless redeclared', () => {
    const { out } = scopeFor('ARG V=1\nFROM a\nWORKDIR /$V\nARG V\nWORKDIR /$V\n');
    assert.deepEqual(out.filter((i) => i.kind === 'WORKDIR').map((i) => (i as { path: string }).path), ['/', '/1']);
  });

  it('build args override stage defaults; ENV wins over ARG; platform args need declaring', () => {
    const { out } = scopeFor('FROM a\nARG A=default B=b\nENV B=env\nARG B\nARG TARGETARCH\nWORKDIR /$A/$B/$TARGETARCH\n', { A: 'cli', B: 'cli' });
    assert.equal((out[out.length - 1] as { path: string }).path, '/cli/env/arm64');
  });

  it('ENV pairs in one instruction see the values from before it', () => {
    const { out } = scopeFor('FROM a\nENV A=1\nENV A=2 B=$A\n');
    assert.deepEqual((out[1] as { pairs: unknown }).pairs, [{ key: 'A', value: '2' }, { key: 'B', value: '1' }]);
  });

  it('expands COPY heredocs unless the delimiter is quoted', () => {
    const { out } = scopeFor('FROM a\nARG N=x\nCOPY <<EOF <<"RAW" /d/\nn=$N "q"\nEOF\nn=$N\nRAW\n');
    const copy = out[1] as { heredocs: { content: string }[] };
    assert.deepEqual(copy.heredocs.map((h) => h.content), ['n=x "q"\n', 'n=$N\n']);
  });

  it('keeps Windows paths with the backtick escape', () => {
    const { out } = scopeFor('# escape=`\nFROM mcr.microsoft.com/windows/servercore\nARG D=C:\\app\nWORKDIR $D\\bin\nCOPY "C:\\src dir\\" ${D}\\\n');
    assert.equal((out[1] as { path: string }).path, 'C:\\app\\bin');
    const copy = out[2] as { sources: string[]; dest: string };
    assert.deepEqual([copy.sources, copy.dest], [['C:\\src dir\\'], 'C:\\app\\']);
  });

  it('expansion errors carry the instruction line', () => {
    assert.throws(() => scopeFor('FROM a\n\nWORKDIR ${NOPE:?WORKDIR needs NOPE}\n'), /^DockerfileError: Dockerfile:3: NOPE: WORKDIR needs NOPE/m);
  });
});
