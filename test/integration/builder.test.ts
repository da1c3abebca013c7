/*
 * The classic builder over a real engine: images built from a busybox base imported into
 * a temp root, RUN steps under runc; each instruction's effect is checked in the image
 * config and by running the result. Containers, mounts and cgroups are removed after.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { Builder, buildFromArchive, type BuildRequest } from '../../src/build/index.js';
import { loadDockerignore } from '../../src/build/context/index.js';
import { openEngine, type Engine } from '../../src/engine/index.js';
import { execText } from '../helpers/berth.js';
import { closeTestEngine } from '../helpers/engine.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const BASE = 'berth-test/busybox:latest';
const cgroupParent = `/berth-bt-${process.pid}-${randomBytes(3).toString('hex')}`;

let dir = '';
let root = '';
let run = '';
let contextDir = '';
let engine: Engine;

before(async () => {
  dir = fs.mkdtempSync('/tmp/bbt-');
  root = path.join(dir, 'root');
  run = path.join(dir, 'run');
  contextDir = path.join(dir, 'ctx');
  fs.mkdirSync(contextDir);
  const { rootfs } = await makeBusyboxRootfs(path.join(dir, 'image'));
  for (const applet of ['mkdir', 'stat', 'env', 'pwd', 'touch', 'rm', 'wc']) await symlink('busybox', path.join(rootfs, 'bin', applet));
  const tarball = path.join(dir, 'image', 'busybox.tar');
  await execText('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  engine = await openEngine({ root, run, cgroupParent });
  await engine.images.importRootfs(fs.createReadStream(tarball), { reference: BASE, changes: ['CMD ["sh"]'] });
});

after(() => closeTestEngine(engine, dir, cgroupParent));

interface Built {
  imageId: string;
  output: string;
}

/** A build request over the shared context, with Docker's defaults and `options` on top. */
function buildRequest(dockerfile: string, options: Partial<BuildRequest>, forceRemove: boolean): BuildRequest {
  return {
    dockerfile,
    dockerfileName: 'Dockerfile',
    context: { root: contextDir, ignore: loadDockerignore('') },
    tags: [],
    buildArgs: {},
    labels: {},
    noCache: false,
    pull: false,
    remove: true,
    forceRemove,
    ...options,
  };
}

async function build(dockerfile: string, options: Partial<BuildRequest> = {}): Promise<Built> {
  let output = '';
  const result = await new Builder(engine, buildRequest(dockerfile, options, false), { stream: (t) => (output += t), aux: () => undefined }).run();
  return { imageId: result.imageId, output };
}

async function buildFails(dockerfile: string, options: Partial<BuildRequest> = {}): Promise<{ message: string; output: string }> {
  let output = '';
  try {
    await new Builder(engine, buildRequest(dockerfile, options, true), { stream: (t) => (output += t), aux: () => undefined }).run();
  } catch (err) {
    return { message: (err as Error).message, output };
  }
  assert.fail(`the build should have failed:\n${output}`);
}

/** Runs `cmd` in a container of `image` and returns its output. */
async function runIn(image: string, cmd?: string[]): Promise<{ output: string; exitCode: number }> {
  const { id } = await engine.containers.create({ image, ...(cmd ? { cmd } : {}) });
  try {
    const exit = engine.containers.wait(id, 'next-exit');
    await engine.containers.start(id);
    const { exitCode } = await exit;
    let output = '';
    for await (const line of engine.containers.logs(id)) output += line.data.toString();
    return { output, exitCode };
  } finally {
    await engine.containers.remove(id, { force: true });
  }
}

test('config-only instructions write the config and history Docker writes', async () => {
  const { imageId, output } = await build(
    [
      'FROM berth-test/busybox',
      'LABEL a=b "c d"=e',
      'ENV A=1 B="two words"',
      'ENV C=${A}x',
      'EXPOSE 80 53/udp',
      'USER nobody',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK --interval=5m --timeout=3s CMD wget -q localhost || exit 1',
      'ONBUILD RUN echo triggered',
      'MAINTAINER someone',
      'CMD ["echo", "hi"]',
      'ENTRYPOINT ["/bin/sh", "-c"]',
    ].join('\n'),
  );
  assert.match(output, /^Step 1\/13 : FROM berth-test\/busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(output, /Step 13\/13 : ENTRYPOINT \["\/bin\/sh", "-c"\]\n ---> [0-9a-f]{12}\nSuccessfully built [0-9a-f]{12}\n$/);
  const image = await engine.images.get(imageId);
  const c = image.config.config ?? {};
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  assert.deepEqual(c.Env, ['A=1', 'B=two words', 'C=1x']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 300e9, Timeout: 3e9 });
  assert.deepEqual(c.OnBuild, ['RUN echo triggered']);
  // CMD was set in this stage, so the ENTRYPOINT after it keeps it.
  assert.deepEqual(c.Cmd, ['echo', 'hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
  assert.equal(image.config.author, 'someone');
  const history = (image.config.history ?? []).slice(1);
  assert.deepEqual(
    history.map((h) => h.created_by),
    [
      '/bin/sh -c #(nop)  LABEL a=b c d=e',
      '/bin/sh -c #(nop)  ENV A=1 B=two words',
      '/bin/sh -c #(nop)  ENV C=1x',
      '/bin/sh -c #(nop)  EXPOSE 80 53/udp',
      '/bin/sh -c #(nop)  USER nobody',
      '/bin/sh -c #(nop)  VOLUME [/data]',
      '/bin/sh -c #(nop)  STOPSIGNAL SIGINT',
      '/bin/sh -c #(nop)  HEALTHCHECK &{Test:[CMD-SHELL wget -q localhost || exit 1] Interval:5m0s Timeout:3s StartPeriod:0s StartInterval:0s Retries:0}',
      '/bin/sh -c #(nop)  ONBUILD RUN echo triggered',
      '/bin/sh -c #(nop)  MAINTAINER someone',
      '/bin/sh -c #(nop)  CMD ["echo" "hi"]',
      '/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c"]',
    ],
  );
  assert.ok(history.every((h) => h.empty_layer === true));
  assert.equal(image.config.rootfs.diff_ids.length, 1, 'no layer added by config-only steps');
  // An ENTRYPOINT in a stage without CMD resets the base image's CMD.
  const reset = await build('FROM berth-test/busybox\nENTRYPOINT ["echo"]');
  assert.equal((await engine.images.get(reset.imageId)).config.config?.Cmd, undefined);
});

test('RUN runs through the shell with ENV, ARGs, WORKDIR and USER, and commits a diff layer', async () => {
  const { imageId, output } = await build(
    [
      'FROM berth-test/busybox',
      'ARG GREETING=hello',
      'ENV WHO=world',
      'WORKDIR /app/sub',
      'RUN echo "$GREETING $WHO from $(pwd)" > out.txt && echo built-it',
      'USER nobody',
      'RUN id -u > /tmp/uid',
      'SHELL ["/bin/sh", "-ec"]',
      'RUN echo shell-ok',
    ].join('\n'),
    { buildArgs: { GREETING: 'hi' } },
  );
  assert.match(output, / ---> Running in [0-9a-f]{12}\nbuilt-it\n ---> Removed intermediate container [0-9a-f]{12}\n/);
  const image = await engine.images.get(imageId);
  assert.equal(image.config.config?.WorkingDir, '/app/sub');
  const createdBy = (image.config.history ?? []).map((h) => h.created_by);
  assert.ok(createdBy.includes('/bin/sh -c #(nop) WORKDIR /app/sub'), createdBy.join('\n'));
  assert.ok(createdBy.includes('/bin/sh -c #(nop)  ARG GREETING=hello'), createdBy.join('\n'));
  assert.ok(createdBy.includes('|1 GREETING=hi /bin/sh -c echo "$GREETING $WHO from $(pwd)" > out.txt && echo built-it'), createdBy.join('\n'));
  assert.ok(createdBy.includes('|1 GREETING=hi /bin/sh -ec echo shell-ok'), createdBy.join('\n'));
  // Layers are the steps' diffs: WORKDIR's, and the two RUNs that wrote files.
  assert.equal(image.config.rootfs.diff_ids.length, 4);
  const env = image.config.config?.Env ?? [];
  assert.ok(!env.some((e) => e.startsWith('GREETING=')), 'build args stay out of the image env');
  const result = await runIn(imageId, ['cat', '/app/sub/out.txt', '/tmp/uid']);
  assert.equal(result.output, 'hi world from /app/sub\n65534\n');
  assert.deepEqual(await engine.containers.list({ all: true }), [], 'intermediate containers removed');
});

test('a failing RUN shows its output and exit code, and tags nothing', async () => {
  const { message, output } = await buildFails('FROM berth-test/busybox\nRUN echo about-to-fail && false', { tags: ['berth-test/fail:1'] });
  assert.equal(message, "The command '/bin/sh -c echo about-to-fail && false' returned a non-zero code: 1");
  assert.match(output, /about-to-fail\n/);
  await assert.rejects(engine.images.get('berth-test/fail:1'));
});

test('bad Dockerfiles are refused with file and line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM berth-test/busybox\nFROBNICATE x', /^Dockerfile:2: unknown instruction: FROBNICATE/],
    ['RUN echo no from', /^Dockerfile:1: /],
    ['FROM berth-test/busybox\nSHELL ["/bin/sh" "-c"]', /^Dockerfile:2: SHELL requires the arguments to be in JSON form/],
    ['FROM berth-test/busybox\nCOPY --from=3 /a /b', /^Dockerfile:2: COPY --from=3: stage 3 is not defined/],
    ['FROM berth-test/busybox\nRUN --mount=type=cache,target=/x true', /^Dockerfile:2: the --mount option requires BuildKit/],
  ];
  for (const [text, expected] of cases) {
    const { message } = await buildFails(text, { tags: ['berth-test/bad:1'] });
    assert.match(message, expected, text);
  }
  await assert.rejects(engine.images.get('berth-test/bad:1'));
});

test('cache: a rebuild uses the cache, --no-cache and a changed instruction do not', async () => {
  const dockerfile = 'FROM berth-test/busybox\nRUN echo one > /one\nENV X=1\nRUN echo two > /two';
  const first = await build(dockerfile, { noCache: true });
  const second = await build(dockerfile);
  assert.equal(second.imageId, first.imageId);
  assert.equal(second.output.match(/ ---> Using cache\n/g)?.length, 3);
  assert.doesNotMatch(second.output, /Running in/);
  const changed = await build(dockerfile.replace('X=1', 'X=2'));
  assert.notEqual(changed.imageId, first.imageId);
  assert.equal(changed.output.match(/ ---> Using cache\n/g)?.length, 1);
  const noCache = await build(dockerfile, { noCache: true });
  assert.doesNotMatch(noCache.output, /Using cache/);
});

test('multi-stage: --target, skipped stages, stage as base, ONBUILD triggers, unused build-arg warning', async () => {
  const dockerfile = [
    'ARG BASE=berth-test/busybox',
    'FROM ${BASE} AS parent',
    'ONBUILD RUN echo from-trigger > /trigger',
    'FROM parent AS child',
    'RUN cat /trigger',
    'FROM berth-test/busybox AS never',
    'RUN false',
    'FROM child',
    'LABEL final=yes',
  ].join('\n');
  const { imageId, output } = await build(dockerfile, { buildArgs: { UNUSED: 'x' }, labels: { extra: 'label' } });
  assert.match(output, /# Executing 1 build trigger\n/);
  assert.doesNotMatch(output, /RUN false/, 'the unneeded stage is skipped');
  assert.match(output, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\n/);
  const image = await engine.images.get(imageId);
  assert.deepEqual(image.config.config?.Labels, { final: 'yes', extra: 'label' });
  assert.equal(image.config.config?.OnBuild, undefined, 'triggers run in the child and are not inherited');
  assert.equal((await runIn(imageId, ['cat', '/trigger'])).output, 'from-trigger\n');
  const parent = await build(dockerfile, { target: 'parent' });
  assert.deepEqual((await engine.images.get(parent.imageId)).config.config?.OnBuild, ['RUN echo from-trigger > /trigger']);
});

test('FROM scratch with only metadata, and WORKDIR on scratch', async () => {
  const { imageId } = await build('FROM scratch\nENV A=b\nWORKDIR /w');
  const image = await engine.images.get(imageId);
  assert.deepEqual(image.config.config?.Env, ['A=b']);
  assert.equal(image.config.rootfs.diff_ids.length, 1, 'WORKDIR made the directory as a layer');
  assert.deepEqual(
    (image.config.history ?? []).map((h) => h.created_by),
    ['/bin/sh -c #(nop)  ENV A=b', '/bin/sh -c #(nop) WORKDIR /w'],
  );
});

test('COPY and ADD: context files, --chown, --from a stage, .dockerignore, a URL, a tar', async (t) => {
  const ctx = path.join(dir, 'copy-ctx');
  fs.mkdirSync(path.join(ctx, 'conf'), { recursive: true });
  fs.writeFileSync(path.join(ctx, 'hello.txt'), 'hello\n');
  fs.writeFileSync(path.join(ctx, 'conf', 'a.conf'), 'a\n');
  fs.writeFileSync(path.join(ctx, 'conf', 'b.secret'), 'secret\n');
  await execText('tar', ['-C', path.join(ctx, 'conf'), '-cf', path.join(ctx, 'bundle.tar'), 'a.conf']);
  const server = http.createServer((req, res) => {
    if (req.url === '/files/remote.txt') res.end('from the web\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const context = { root: ctx, ignore: loadDockerignore('**/*.secret\n') };
  const dockerfile = [
    'FROM berth-test/busybox AS files',
    'WORKDIR /stage',
    'COPY hello.txt ./',
    'RUN echo staged >> hello.txt',
    'FROM berth-test/busybox',
    'COPY --chown=nobody:nogroup conf /etc/app/',
    'COPY --from=files /stage/hello.txt /hello.txt',
    `ADD http://127.0.0.1:${port}/files/remote.txt /web/`,
    'ADD bundle.tar /untarred/',
  ].join('\n');
  const { imageId, output } = await build(dockerfile, { context });
  assert.match(output, /Step 6\/9 : COPY --chown=nobody:nogroup conf \/etc\/app\/\n ---> Removed intermediate container/);
  const listing = await runIn(imageId, ['sh', '-c', 'cat /hello.txt /web/remote.txt /untarred/a.conf; ls /etc/app; stat -c "%u:%g %n" /etc/app/a.conf']);
  assert.equal(listing.output, 'hello\nstaged\nfrom the web\na\na.conf\n65534:65534 /etc/app/a.conf\n');
  const history = ((await engine.images.get(imageId)).config.history ?? []).map((h) => h.created_by ?? '');
  assert.match(history.at(-4) ?? '', /^\/bin\/sh -c #\(nop\) COPY --chown=nobody:nogroup dir:[0-9a-f]{64} in \/etc\/app\/ $/);
  assert.match(history.at(-3) ?? '', /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/hello.txt $/);

  // Unchanged context: every COPY hits; an edit to a copied file misses from that step on.
  const created: string[] = [];
  const off = engine.containers.onEvent((e) => {
    if (e.action === 'create') created.push(e.id);
  });
  const again = await build(dockerfile, { context });
  off();
  assert.equal(again.imageId, imageId);
  assert.deepEqual(created, [], 'a cache check of COPY --from needs no container of the source');
  assert.doesNotMatch(again.output, /Running in|Removed intermediate/);
  fs.writeFileSync(path.join(ctx, 'conf', 'a.conf'), 'a, edited\n');
  const edited = await build(dockerfile, { context });
  assert.match(edited.output, /Step 4\/9 : RUN echo staged >> hello.txt\n ---> Using cache\n/);
  assert.match(edited.output, /Step 6\/9 : COPY --chown=nobody:nogroup conf \/etc\/app\/\n ---> Removed intermediate container/);
  // An excluded file does not count: editing it changes nothing.
  fs.writeFileSync(path.join(ctx, 'conf', 'b.secret'), 'other secret\n');
  const ignoredEdit = await build(dockerfile, { context });
  assert.equal(ignoredEdit.imageId, edited.imageId);
});

test('COPY of a path outside the context or missing fails with file and line', async () => {
  const ctx = path.join(dir, 'copy-bad');
  fs.mkdirSync(ctx, { recursive: true });
  const context = { root: ctx, ignore: loadDockerignore('') };
  const outside = await buildFails('FROM berth-test/busybox\n\nCOPY ../../etc/passwd /x', { context, tags: ['berth-test/bad:2'] });
  assert.match(outside.message, /^Dockerfile:3: /);
  const missing = await buildFails('FROM berth-test/busybox\nCOPY nothing-here /x', { context });
  assert.match(missing.message, /^Dockerfile:2: .*nothing-here/);
  await assert.rejects(engine.images.get('berth-test/bad:2'));
});

test('FROM scratch with COPY, used by a later stage', async () => {
  const ctx = path.join(dir, 'scratch-ctx');
  fs.mkdirSync(ctx, { recursive: true });
  fs.writeFileSync(path.join(ctx, 'bare.txt'), 'bare\n');
  const context = { root: ctx, ignore: loadDockerignore('') };
  const dockerfile = 'FROM scratch AS bare\nCOPY bare.txt /files/\nFROM berth-test/busybox\nCOPY --from=bare /files /from-scratch';
  const { imageId } = await build(dockerfile, { context, target: 'bare' });
  const bare = await engine.images.get(imageId);
  assert.equal(bare.config.rootfs.diff_ids.length, 1);
  assert.deepEqual((bare.config.history ?? []).map((h) => h.created_by?.replace(/[0-9a-f]{64}/, 'H')), ['/bin/sh -c #(nop) COPY file:H in /files/ ']);
  const final = await build(dockerfile, { context });
  assert.equal((await runIn(final.imageId, ['cat', '/from-scratch/bare.txt'])).output, 'bare\n');
  assert.deepEqual(await engine.containers.list({ all: true }), [], 'source and step containers removed');
});

test('predefined args: proxy args reach RUN without being declared or recorded; platform args once declared', async () => {
  const { imageId, output } = await build('FROM berth-test/busybox\nARG TARGETARCH\nRUN echo "proxy=$HTTP_PROXY arch=$TARGETARCH" > /args', {
    buildArgs: { HTTP_PROXY: 'http://proxy.invalid:3128' },
  });
  assert.doesNotMatch(output, /were not consumed/);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  assert.equal((await runIn(imageId, ['cat', '/args'])).output, `proxy=http://proxy.invalid:3128 arch=${arch}\n`);
  const history = ((await engine.images.get(imageId)).config.history ?? []).map((h) => h.created_by);
  assert.equal(history.at(-1), `|1 TARGETARCH=${arch} /bin/sh -c echo "proxy=$HTTP_PROXY arch=$TARGETARCH" > /args`);
});

test('a cancelled build kills the running step and stops', async () => {
  const cancel = new AbortController();
  let output = '';
  const request: BuildRequest = {
    dockerfile: 'FROM berth-test/busybox\nRUN echo started && sleep 600\nRUN echo never',
    dockerfileName: 'Dockerfile',
    context: { root: contextDir, ignore: loadDockerignore('') },
    tags: [],
    buildArgs: {},
    labels: {},
    noCache: true,
    pull: false,
    remove: true,
    forceRemove: true,
    signal: cancel.signal,
  };
  const running = new Builder(engine, request, {
    stream: (text) => {
      output += text;
      if (output.includes('started\n')) cancel.abort();
    },
    aux: () => undefined,
  }).run();
  await assert.rejects(running, /Build cancelled/);
  assert.doesNotMatch(output, /never/);
  assert.deepEqual(await engine.containers.list({ all: true }), [], 'the step container was killed and removed (force-rm)');
});

test('RUN containers get the build’s resource limits', async () => {
  const { output } = await build('FROM berth-test/busybox\nRUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max', {
    noCache: true,
    resources: { memory: 64 * 1024 * 1024 },
  });
  assert.match(output, /\n67108864\n/);
});

test('a RUN that changes nothing adds no layer, only an empty_layer history entry', async () => {
  const { imageId } = await build('FROM berth-test/busybox\nRUN true', { noCache: true });
  const image = await engine.images.get(imageId);
  assert.equal(image.config.rootfs.diff_ids.length, 1);
  assert.deepEqual(image.config.history?.at(-1)?.created_by, '/bin/sh -c true');
  assert.equal(image.config.history?.at(-1)?.empty_layer, true);
});

test('a rebuild that moves the tag leaves the old result dangling, as Docker shows <none>', async () => {
  const first = await build('FROM berth-test/busybox\nLABEL version=1', { tags: ['berth-test/moved:1'] });
  const second = await build('FROM berth-test/busybox\nLABEL version=2', { tags: ['berth-test/moved:1'] });
  assert.notEqual(first.imageId, second.imageId);
  // Only the old result: every build step's image stays hidden.
  const dangling = await engine.images.list({ dangling: true });
  assert.deepEqual(dangling.map((i) => i.id), [first.imageId]);
  // `images -a` shows them too.
  const all = await engine.images.list({ all: true });
  assert.ok(all.length > (await engine.images.list()).length);
});

test('an uploaded context whose Dockerfile links to a host file reads nothing of the host', async () => {
  const pack = tarStream.pack();
  pack.entry({ name: 'Dockerfile', type: 'symlink', linkname: '/etc/passwd' });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const archive = Readable.from([Buffer.concat(chunks)]);
  const out = { stream: (): void => undefined, aux: (): void => undefined };
  const options = { tags: [], buildArgs: {}, labels: {}, noCache: false, pull: false, remove: true, forceRemove: true };
  await assert.rejects(buildFromArchive(engine, archive, options, out), /Cannot locate specified Dockerfile: Dockerfile$/);
});

test('COPY and ADD --chmod set the mode, show in the history and are part of the cache key', async () => {
  const ctx = path.join(dir, 'chmod-ctx');
  fs.mkdirSync(path.join(ctx, 'tree'), { recursive: true });
  fs.writeFileSync(path.join(ctx, 'tool.sh'), '#!/bin/sh\necho tool\n', { mode: 0o644 });
  fs.writeFileSync(path.join(ctx, 'tree', 'a.txt'), 'a\n', { mode: 0o644 });
  const context = { root: ctx, ignore: loadDockerignore('') };
  const dockerfile = [
    'FROM berth-test/busybox',
    'ARG MODE=751',
    'COPY --chmod=$MODE tool.sh /usr/local/bin/tool',
    'ADD --chown=nobody:nogroup --chmod=0600 tree /tree/',
  ].join('\n');
  const { imageId } = await build(dockerfile, { context });
  const listing = await runIn(imageId, ['stat', '-c', '%a %u:%g %n', '/usr/local/bin/tool', '/tree/a.txt']);
  assert.equal(listing.output, '751 0:0 /usr/local/bin/tool\n600 65534:65534 /tree/a.txt\n');
  assert.equal((await runIn(imageId, ['/usr/local/bin/tool'])).output, 'tool\n');
  const history = ((await engine.images.get(imageId)).config.history ?? []).map((h) => h.created_by ?? '');
  assert.match(history.at(-2) ?? '', /^\/bin\/sh -c #\(nop\) COPY --chmod=751 file:[0-9a-f]{64} in \/usr\/local\/bin\/tool $/);
  assert.match(history.at(-1) ?? '', /^\/bin\/sh -c #\(nop\) ADD --chown=nobody:nogroup --chmod=0600 dir:[0-9a-f]{64} in \/tree\/ $/);

  const again = await build(dockerfile, { context });
  assert.equal(again.imageId, imageId);
  // Another mode is another step, though the files are the same.
  const otherMode = await build(dockerfile, { context, buildArgs: { MODE: '755' } });
  assert.match(otherMode.output, /Step 3\/4 : COPY --chmod=\$MODE tool.sh \/usr\/local\/bin\/tool\n ---> Removed intermediate container/);
  assert.equal((await runIn(otherMode.imageId, ['stat', '-c', '%a', '/usr/local/bin/tool'])).output, '755\n');

  const bad = await buildFails('FROM berth-test/busybox\n\nCOPY --chmod=u+x tool.sh /x', { context });
  assert.match(bad.message, /^Dockerfile:3: .*chmod.*u\+x/);
});

const heredocDockerfile = (scriptBody: string, doc: string): string =>
  [
    'FROM berth-test/busybox',
    'ENV WHO=world',
    'RUN <<EOF',
    'echo "hello $WHO" > /greeting',
    'echo second line >> /greeting',
    'EOF',
    'RUN <<EOF',
    '#!/bin/sh',
    `echo "$0 ${scriptBody}" > /script`,
    'EOF',
    'RUN <<EOF',
    '#!/bin/cat',
    'not a shell command',
    'EOF',
    'RUN <<A cat - /proc/self/fd/3 > /both 3<<B',
    'from stdin $WHO',
    'A',
    'from fd three',
    'B',
    "RUN cat <<'EOF' > /literal",
    'not $WHO',
    'EOF',
    'RUN <<-EOF sh',
    '\techo tabs stripped > /tabs',
    '\tEOF',
    'ARG NAME=berth',
    'COPY <<EOF /etc/conf',
    'name=$NAME',
    'EOF',
    "COPY --chown=nobody:nogroup --chmod=600 <<one <<'two' /docs/",
    doc,
    'one',
    'second $NAME',
    'two',
  ].join('\n');

test('heredocs: RUN bodies run by the shell or as a #! script, extra heredocs feed stdin and files, COPY writes them as files', async () => {
  const dockerfile = heredocDockerfile('ran', 'first');
  const { imageId, output } = await build(dockerfile);
  assert.match(output, /\nnot a shell command\n/, 'a #!/bin/cat script is run by cat, not the shell');
  const files = await runIn(imageId, ['cat', '/greeting', '/script', '/both', '/literal', '/tabs', '/etc/conf', '/docs/one', '/docs/two']);
  assert.equal(
    files.output,
    ['hello world', 'second line', '/dev/pipes/EOF ran', 'from stdin world', 'from fd three', 'not $WHO', 'tabs stripped', 'name=berth', 'first', 'second $NAME', ''].join('\n'),
  );
  const modes = await runIn(imageId, ['stat', '-c', '%a %u:%g %n', '/etc/conf', '/docs/one', '/docs/two']);
  assert.equal(modes.output, '644 0:0 /etc/conf\n600 65534:65534 /docs/one\n600 65534:65534 /docs/two\n');
  const image = await engine.images.get(imageId);
  const history = (image.config.history ?? []).map((h) => h.created_by ?? '');
  assert.ok(history.includes('/bin/sh -c echo "hello $WHO" > /greeting\necho second line >> /greeting\n'), history.join('\n'));
  assert.ok(history.includes('/bin/sh -c /dev/pipes/EOF'), history.join('\n'));
  assert.match(history.at(-1) ?? '', /^\/bin\/sh -c #\(nop\) COPY --chown=nobody:nogroup --chmod=600 multi:[0-9a-f]{64} in \/docs\/ $/);

  // Unchanged: every step hits. A changed script body (the command stays /dev/pipes/EOF)
  // misses from that step on; a changed COPY document misses only that step.
  const again = await build(dockerfile);
  assert.equal(again.imageId, imageId);
  assert.doesNotMatch(again.output, /Running in|Removed intermediate/);
  const script = await build(heredocDockerfile('edited', 'first'));
  assert.match(script.output, /Step 3\/11 : RUN <<EOF\n ---> Using cache\n/);
  assert.match(script.output, /Step 4\/11 : RUN <<EOF\n ---> Running in/);
  assert.equal((await runIn(script.imageId, ['cat', '/script'])).output, '/dev/pipes/EOF edited\n');
  const doc = await build(heredocDockerfile('ran', 'first, edited'));
  assert.equal(doc.output.match(/ ---> Using cache\n/g)?.length, 9);
  assert.equal((await runIn(doc.imageId, ['cat', '/docs/one'])).output, 'first, edited\n');
});

test('RUN --network: none and host (only when the build runs with host networking); other flags refused with the line', async () => {
  const dockerfile = [
    'FROM berth-test/busybox',
    'RUN --network=none sh -c "cat /proc/net/dev | wc -l > /none"',
    'RUN --network=host sh -c "cat /proc/net/dev | wc -l > /host"',
    'RUN --network=default sh -c "cat /proc/net/dev | wc -l > /default"',
  ].join('\n');
  const { imageId } = await build(dockerfile, { networkMode: 'host', noCache: true });
  const hostLines = fs.readFileSync('/proc/net/dev', 'utf8').trim().split('\n').length;
  const counts = (await runIn(imageId, ['cat', '/none', '/host', '/default'])).output.trim().split('\n').map(Number);
  assert.deepEqual(counts, [3, hostLines, hostLines], 'none: the headers and lo only');
  const cases: Array<[string, RegExp]> = [
    ['FROM berth-test/busybox\nRUN --network=host true', /^Dockerfile:2: RUN --network=host is not allowed/],
    ['FROM berth-test/busybox\nRUN --network=bridge true', /^Dockerfile:2: RUN --network=bridge: unsupported network mode/],
    ['FROM berth-test/busybox\n\nRUN --security=insecure true', /^Dockerfile:3: the --security option requires BuildKit/],
    ['FROM berth-test/busybox\nCOPY <<A <<B /file\na\nA\nb\nB', /^Dockerfile:2: .*destination must be a directory and end with a \//],
    ['FROM berth-test/busybox\nCOPY a <<EOF\nx\nEOF', /^Dockerfile:2: COPY cannot accept a heredoc as a destination/],
  ];
  for (const [text, expected] of cases) {
    const { message } = await buildFails(text);
    assert.match(message, expected, text);
  }
});
