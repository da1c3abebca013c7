import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { mountsUnder, unmountAllUnder } from '../../src/layers/index.js';
import { berthBin, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { startRegistry } from '../helpers/registry.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

/**
 * `docker build` (the classic builder: DOCKER_BUILDKIT=0, and this docker has no buildx)
 * and `berth build` through `berth daemon`: a multi-stage Dockerfile with COPY --from,
 * build args, -f and --target; heredocs and COPY --chmod; the cache across a daemon restart and after context edits;
 * bad Dockerfiles refused with file and line and a non-zero exit.
 */
describe('docker build and berth build through berth daemon', () => {
  const t = tempRoot('berth-bd-');
  const cgroupParent = privateCgroupParent('berth-bd');
  const runDir = path.join(t.dir, 'run');
  const ctx = path.join(t.dir, 'ctx');
  let daemon: TestDaemon | undefined;

  const start = (): Promise<TestDaemon> => startDaemon(t.dir, ['--cgroup-parent', cgroupParent]);
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DOCKER_HOST: `unix://${runDir}/docker.sock`,
    DOCKER_CONFIG: path.join(t.dir, 'docker-config'),
    DOCKER_BUILDKIT: '0',
  });
  const docker = (args: string[], input?: string): Promise<RunResult> =>
    run('timeout', ['-s', 'KILL', '120', 'docker', ...args], { env: env(), ...(input === undefined ? {} : { input }) });
  const berth = (args: string[]): Promise<RunResult> =>
    run('timeout', ['-s', 'KILL', '120', process.execPath, berthBin, '--host', `unix://${runDir}/docker.sock`, ...args], { cwd: t.dir });
  const ok = (r: RunResult, what: string): RunResult => {
    assert.equal(r.code, 0, `${what}: ${r.stdout}\n${r.stderr}`);
    return r;
  };

  const dockerfile = [
    'ARG BASE=bdbox:1',
    'FROM ${BASE} AS builder',
    'ARG VERSION=dev',
    'WORKDIR /src',
    'COPY app.txt ./',
    'RUN echo "version $VERSION" >> app.txt && echo built',
    'FROM bdbox:1 AS tester',
    'RUN false',
    'FROM bdbox:1',
    'COPY --from=builder /src/app.txt /app/app.txt',
    'ENV GREETING=hello',
    'CMD ["cat", "/app/app.txt"]',
  ].join('\n');

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir, 'via build');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'app.txt'), 'app v1\n');
    fs.writeFileSync(path.join(ctx, 'secret.txt'), 'do not send\n');
    fs.writeFileSync(path.join(ctx, '.dockerignore'), 'secret.txt\n');
    fs.mkdirSync(path.join(ctx, 'docker'));
    fs.writeFileSync(path.join(ctx, 'docker', 'Build.file'), dockerfile);
    daemon = await start();
    ok(await docker(['import', '--change', 'CMD ["sh"]', tarball, 'bdbox:1']), 'import');
  });

  after(async () => {
    try {
      const left = await docker(['ps', '-aq']);
      for (const id of left.stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', id]);
      await daemon?.stop();
    } finally {
      killContainerLeftovers(runDir);
      await unmountAllUnder(t.dir).catch(() => undefined);
      const mounts = await mountsUnder(t.dir);
      await removeCgroupParent(cgroupParent);
      t.cleanup();
      assert.deepEqual(mounts, [], 'mounts left under the temp root');
    }
  });

  test('docker build -t -f --build-arg skips the unneeded stage and copies between stages', async () => {
    const built = ok(await docker(['build', '-t', 'bdapp:1', '-f', path.join(ctx, 'docker', 'Build.file'), '--build-arg', 'VERSION=1.2', ctx]), 'docker build');
    assert.match(built.stdout, /Step 1\/\d+ : ARG BASE=bdbox:1/);
    assert.match(built.stdout, / ---> Running in [0-9a-f]{12}\nbuilt\n/);
    assert.doesNotMatch(built.stdout, /RUN false/);
    assert.match(built.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged bdapp:1\n/);
    const out = ok(await docker(['run', '--rm', 'bdapp:1']), 'docker run');
    assert.equal(out.stdout, 'app v1\nversion 1.2\n');
    const inspect = ok(await docker(['image', 'inspect', '--format', '{{json .Config.Env}} {{json .Config.Cmd}}', 'bdapp:1']), 'inspect');
    assert.equal(inspect.stdout.trim(), '["GREETING=hello"] ["cat","/app/app.txt"]');
    const history = ok(await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'bdapp:1']), 'history');
    const sizes = ok(await docker(['history', '--format', '{{.Size}}|{{.CreatedBy}}', '--no-trunc', 'bdapp:1']), 'history sizes').stdout.split('\n');
    assert.match(sizes[1] ?? '', /^0B\|\/bin\/sh -c #\(nop\) {2}ENV GREETING=hello$/);
    assert.match(sizes[2] ?? '', /^[1-9][0-9.]*k?B\|\/bin\/sh -c #\(nop\) COPY file:/);
    assert.match(history.stdout, /^\/bin\/sh -c #\(nop\) {2}CMD \["cat" "\/app\/app.txt"\]\n\/bin\/sh -c #\(nop\) {2}ENV GREETING=hello\n\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/app\/app.txt \n/);
  });

  test('docker build --target builds that stage only; -q prints the image ID', async () => {
    const built = ok(await docker(['build', '-q', '--target', 'builder', '-t', 'bdapp:builder', '-f', path.join(ctx, 'docker', 'Build.file'), ctx]), 'docker build --target');
    assert.match(built.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const out = ok(await docker(['run', '--rm', 'bdapp:builder', 'cat', '/src/app.txt']), 'run builder stage');
    assert.equal(out.stdout, 'app v1\nversion dev\n');
    const ignored = await docker(['run', '--rm', 'bdapp:builder', 'ls', '/src']);
    assert.equal(ignored.stdout, 'app.txt\n');
  });

  test('the cache: hits after a daemon restart, a miss from the edited file on', async () => {
    const args = ['build', '-t', 'bdapp:2', '-f', path.join(ctx, 'docker', 'Build.file'), '--build-arg', 'VERSION=2', ctx];
    const first = ok(await berth(args), 'berth build');
    await daemon?.stop();
    // What a build killed with its daemon left behind goes at the next start.
    const stale = path.join(t.dir, 'root', 'tmp', 'build-stale');
    fs.mkdirSync(path.join(stale, 'context'), { recursive: true });
    daemon = await start();
    assert.ok(!fs.existsSync(stale), 'a stale build context is removed at start');
    const again = ok(await berth(args), 'berth build after restart');
    assert.doesNotMatch(again.stdout, /Running in/);
    const idOf = (r: RunResult): string => /Successfully built ([0-9a-f]{12})/.exec(r.stdout)?.[1] ?? '';
    assert.equal(idOf(again), idOf(first));
    fs.writeFileSync(path.join(ctx, 'app.txt'), 'app v2\n');
    const edited = ok(await berth(args), 'berth build after an edit');
    // FROM, ARG and WORKDIR hit; COPY app.txt and everything after it run again.
    assert.match(edited.stdout, /WORKDIR \/src\n ---> Using cache\n/);
    assert.match(edited.stdout, /COPY app.txt .\/\n ---> Removed intermediate container [0-9a-f]{12}\n/);
    assert.match(edited.stdout, / ---> Running in /);
    const out = ok(await docker(['run', '--rm', 'bdapp:2']), 'run edited');
    assert.equal(out.stdout, 'app v2\nversion 2\n');
    // docker builder prune forgets the cache; the tagged images stay whole.
    ok(await docker(['builder', 'prune', '-f']), 'builder prune');
    const cold = ok(await berth(args), 'berth build after prune');
    assert.doesNotMatch(cold.stdout, /Using cache/);
    assert.equal(ok(await docker(['run', '--rm', 'bdapp:1']), 'run after prune').stdout, 'app v1\nversion 1.2\n');
  });

  test('a base image that is not here is pulled (from a registry on loopback); --pull pulls again', async (t) => {
    const registry = await startRegistry(path.join(ctx, '..', 'registry'));
    t.after(() => registry.stop());
    const remote = `${registry.addr}/base/box:1`;
    ok(await docker(['tag', 'bdbox:1', remote]), 'tag');
    ok(await docker(['push', remote]), 'push');
    ok(await docker(['rmi', remote]), 'rmi');
    const from = path.join(ctx, '..', 'pull-ctx');
    fs.mkdirSync(from, { recursive: true });
    fs.writeFileSync(path.join(from, 'Dockerfile'), `FROM ${remote}\nRUN echo pulled-base\n`);
    const built = ok(await docker(['build', '-t', 'bdpulled:1', from]), 'build from a missing base');
    assert.match(built.stdout, /pulled-base\n/);
    assert.match(built.stdout, /Pulling from base\/box\n[\s\S]*Digest: sha256:/);
    ok(await docker(['image', 'inspect', remote]), 'the base is now here');
    const again = ok(await docker(['build', '--pull', '-t', 'bdpulled:1', from]), 'build --pull');
    assert.match(again.stdout, /Using cache/, 'the same base pulled again keeps the cache');
  });

  test('berth build - (a Dockerfile on stdin), --label, -q; docker commit of a stopped container', async () => {
    const quiet = await run('timeout', ['-s', 'KILL', '120', process.execPath, berthBin, '--host', `unix://${runDir}/docker.sock`, 'build', '-q', '--label', 'team=core', '-t', 'bdstdin:1', '-'], {
      input: 'FROM bdbox:1\nRUN echo from-stdin > /stdin.txt\n',
    });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /^sha256:[0-9a-f]{64}\n$/);
    // Without DOCKER_BUILDKIT the CLI follows the Builder-Version of /_ping: the classic builder.
    const { DOCKER_BUILDKIT: _unset, ...plainEnv } = env();
    void _unset;
    const plain = await run('docker', ['build', '-q', '-t', 'bdplain:1', '-'], { env: plainEnv, input: 'FROM bdbox:1\nENV PLAIN=1\n' });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    // A whole context as a gzipped tar on stdin.
    const tarDir = path.join(ctx, '..', 'tar-ctx');
    fs.mkdirSync(tarDir, { recursive: true });
    fs.writeFileSync(path.join(tarDir, 'Dockerfile'), 'FROM bdbox:1\nCOPY in-tar.txt /\n');
    fs.writeFileSync(path.join(tarDir, 'in-tar.txt'), 'from the tar\n');
    const fromTar = await run('sh', ['-c', `tar -C ${tarDir} -czf - . | ${process.execPath} ${berthBin} --host unix://${runDir}/docker.sock build -q -t bdtar:1 -`]);
    assert.equal(fromTar.code, 0, fromTar.stderr);
    assert.equal(ok(await docker(['run', '--rm', 'bdtar:1', 'cat', '/in-tar.txt']), 'run tar build').stdout, 'from the tar\n');
    const labels = ok(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', 'bdstdin:1']), 'inspect labels');
    assert.equal(labels.stdout.trim(), '{"team":"core"}');
    assert.equal(ok(await docker(['run', '--rm', 'bdstdin:1', 'cat', '/stdin.txt']), 'run').stdout, 'from-stdin\n');

    const created = ok(await docker(['run', '--name', 'bdcommit', 'bdbox:1', 'sh', '-c', 'echo committed > /c.txt']), 'run to commit');
    assert.equal(created.stdout, '');
    const committed = ok(await docker(['commit', '-m', 'by test', '-c', 'CMD ["cat", "/c.txt"]', 'bdcommit', 'bdcommitted:1']), 'docker commit');
    assert.match(committed.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(await docker(['run', '--rm', 'bdcommitted:1']), 'run committed').stdout, 'committed\n');
    const layers = ok(await docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', 'bdcommitted:1']), 'layers');
    assert.equal(layers.stdout.trim(), '2', 'one diff layer over the base');
    const diff = await berth(['run', '--rm', 'bdcommitted:1', 'sh', '-c', 'ls -a /proc/1 >/dev/null && cat /etc/hostname >/dev/null && echo ok']);
    assert.equal(diff.stdout, 'ok\n');
    // The API's request body overrides the container's settings (docker-py's commit(conf=…)).
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { socketPath: `${runDir}/docker.sock`, method: 'POST', path: '/v1.51/commit?container=bdcommit&repo=bdbody&tag=1', headers: { 'Content-Type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ Cmd: ['cat', '/c.txt'], Env: ['FROM_BODY=1'] }));
    });
    assert.equal(status, 201);
    const body = ok(await docker(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{json .Config.Env}}', 'bdbody:1']), 'inspect body commit');
    assert.equal(body.stdout.trim(), '["cat","/c.txt"] ["FROM_BODY=1"]');
    ok(await docker(['rm', 'bdcommit']), 'rm');

    // A running container is paused for the commit and runs on after it.
    ok(await docker(['run', '-d', '--name', 'bdlive', 'bdbox:1', 'sh', '-c', 'echo live > /live.txt && sleep 600']), 'run -d');
    for (let i = 0; i < 100 && (await docker(['exec', 'bdlive', 'cat', '/live.txt'])).stdout !== 'live\n'; i++) await new Promise((r) => setTimeout(r, 50));
    ok(await docker(['commit', 'bdlive', 'bdlive:1']), 'commit a running container');
    assert.equal(ok(await docker(['inspect', '--format', '{{.State.Status}}', 'bdlive']), 'inspect').stdout.trim(), 'running');
    assert.equal(ok(await docker(['run', '--rm', 'bdlive:1', 'cat', '/live.txt']), 'run the commit').stdout, 'live\n');
    ok(await docker(['rm', '-f', 'bdlive']), 'rm -f');

    // -f naming a file outside the context: it travels in the context tar under a name of its own.
    const outside = path.join(ctx, '..', 'Outside.dockerfile');
    fs.writeFileSync(outside, 'FROM bdbox:1\nCOPY app.txt /copied.txt\n');
    ok(await berth(['build', '-t', 'bdoutside:1', '-f', outside, ctx]), 'build -f outside');
    assert.equal(ok(await docker(['run', '--rm', 'bdoutside:1', 'cat', '/copied.txt']), 'run').stdout, fs.readFileSync(path.join(ctx, 'app.txt'), 'utf8'));
    const pruned = ok(await berth(['builder', 'prune', '-f']), 'berth builder prune');
    assert.match(pruned.stdout, /Total reclaimed space: /);
  });

  test('heredocs and COPY --chmod: berth build and docker build run them; an edited body misses the cache', async () => {
    const dir = path.join(ctx, '..', 'heredoc-ctx');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tool.sh'), '#!/bin/sh\necho tool ran\n', { mode: 0o600 });
    const heredocFile = (body: string): string =>
      [
        'FROM bdbox:1',
        'COPY --chmod=755 tool.sh /bin/tool',
        'RUN <<EOF',
        `echo "${body}" > /body.txt`,
        'EOF',
        'RUN <<EOF',
        '#!/bin/sh',
        'echo "script $0" > /script.txt',
        'EOF',
        'COPY <<EOF /etc/motd',
        'welcome',
        'EOF',
        'CMD ["sh", "-c", "tool && cat /body.txt /script.txt /etc/motd"]',
      ].join('\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), heredocFile('first'));
    ok(await berth(['build', '-t', 'bdheredoc:1', dir]), 'berth build');
    assert.equal(ok(await docker(['run', '--rm', 'bdheredoc:1']), 'run').stdout, 'tool ran\nfirst\nscript /dev/pipes/EOF\nwelcome\n');
    const history = ok(await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'bdheredoc:1']), 'history').stdout;
    assert.match(history, /\/bin\/sh -c #\(nop\) COPY --chmod=755 file:[0-9a-f]{64} in \/bin\/tool \n/);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), heredocFile('second'));
    const edited = ok(await docker(['build', '-t', 'bdheredoc:2', dir]), 'docker build after an edit');
    assert.match(edited.stdout, /Step 2\/6 : COPY --chmod=755 tool.sh \/bin\/tool\n ---> Using cache\n/);
    assert.match(edited.stdout, /Step 3\/6 : RUN <<EOF\n ---> Running in /);
    assert.equal(ok(await docker(['run', '--rm', 'bdheredoc:2']), 'run edited').stdout, 'tool ran\nsecond\nscript /dev/pipes/EOF\nwelcome\n');
  });

  test('bad input: file and line, a non-zero exit, no image', async () => {
    const cases: Array<[string, RegExp]> = [
      ['FROM bdbox:1\nFROBNICATE x\n', /Dockerfile:2: unknown instruction: FROBNICATE/],
      ['RUN echo no from\n', /Dockerfile:1: /],
      ['FROM bdbox:1\nSHELL [/bin/sh, -c]\n', /Dockerfile:2: SHELL requires the arguments to be in JSON form/],
      ['FROM bdbox:1\nCOPY --from=7 /a /b\n', /Dockerfile:2: /],
      ['FROM bdbox:1\nCOPY ../outside /x\n', /Dockerfile:2: /],
    ];
    for (const [text, expected] of cases) {
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), text);
      const r = await docker(['build', '-t', 'bdbad:1', ctx]);
      assert.notEqual(r.code, 0, text);
      assert.match(r.stderr + r.stdout, expected, text);
    }
    fs.rmSync(path.join(ctx, 'Dockerfile'));
    const noTarget = await docker(['build', '--target', 'nosuch', '-t', 'bdbad:1', '-f', path.join(ctx, 'docker', 'Build.file'), ctx]);
    assert.notEqual(noTarget.code, 0);
    assert.match(noTarget.stderr, /target stage "nosuch" could not be found/);
    const failing = await docker(['build', '-t', 'bdbad:1', '-'], 'FROM bdbox:1\nRUN echo going-down && false\n');
    assert.notEqual(failing.code, 0);
    assert.match(failing.stdout, /going-down\n/);
    assert.match(failing.stderr, /The command '\/bin\/sh -c echo going-down && false' returned a non-zero code: 1/);
    const missing = await docker(['image', 'inspect', 'bdbad:1']);
    assert.notEqual(missing.code, 0);
  });
});
