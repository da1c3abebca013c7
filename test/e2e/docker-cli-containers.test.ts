import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

/**
 * The docker CLI runs containers through berth daemon: run (attached, detached, with
 * stdin and a TTY), ps, logs, stop/kill/restart/rm, inspect, wait, exec, stats, top, cp,
 * and Docker's errors for a missing command, a taken name and a bad limit.
 */
describe('the docker CLI runs containers through berth daemon', () => {
  const t = tempRoot('berth-ctr-');
  let daemon: TestDaemon;
  const IMAGE = 'e2ebox:1';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DOCKER_HOST: `unix://${daemon.socketPath}`,
    DOCKER_CONFIG: path.join(t.dir, 'docker-config'),
  });
  /** Every docker call is bounded: a hang fails the test instead of the whole run. */
  const docker = (args: string[], input?: string): Promise<RunResult> =>
    run('timeout', ['-s', 'KILL', '60', 'docker', ...args], { env: env(), ...(input === undefined ? {} : { input }) });
  /** Under a pseudo-terminal, as a user at a terminal runs it. */
  const dockerTty = (command: string, input?: string): Promise<RunResult> =>
    run('timeout', ['-s', 'KILL', '60', 'script', '-qfec', command, '/dev/null'], { env: env(), ...(input === undefined ? {} : { input }) });
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  const cgroupParent = privateCgroupParent('berth-e2e');

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir, 'from the image');
    daemon = await startDaemon(t.dir, ['--cgroup-parent', cgroupParent]);
    ok(await docker(['import', '--change', 'CMD ["sh"]', tarball, IMAGE]), 'import');
  });
  after(async () => {
    if (daemon) {
      const all = await docker(['ps', '-aq']);
      const ids = all.stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids]);
      await daemon.stop();
    }
    await removeCgroupParent(cgroupParent);
    t.cleanup();
  });

  test('docker run --rm prints the output and leaves nothing behind', async () => {
    const r = await docker(['run', '--rm', '--name', 'once', IMAGE, 'echo', 'hi']);
    ok(r, 'run');
    assert.equal(r.stdout, 'hi\n');
    const left = await docker(['ps', '-aq', '--filter', 'name=once']);
    assert.equal(left.stdout.trim(), '');
  });

  test('the exit code and both streams come back', async () => {
    const r = await docker(['run', '--name', 'three', IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const ps = await docker(['ps', '-a', '--filter', 'name=three', '--format', '{{.Status}}']);
    assert.match(ps.stdout, /^Exited \(3\) /);
  });

  test('stdin is forwarded and closes with the client’s (docker run -i)', async () => {
    const r = await docker(['run', '-i', '--rm', IMAGE, 'sh', '-c', 'cat; echo done'], 'line 1\nline 2\n');
    ok(r, 'run -i');
    assert.equal(r.stdout, 'line 1\nline 2\ndone\n');
  });

  test('docker run -it gets a terminal', async () => {
    const r = await dockerTty(`docker run -it --rm ${IMAGE} sh -c 'tty; exit 4'`);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  test('a detached container: ps, logs -f, inspect, stop, wait, restart, kill, rm -f', async () => {
    const started = await docker(['run', '-d', '--name', 'ticker', IMAGE, 'sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']);
    ok(started, 'run -d');
    const id = started.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const ps = await docker(['ps', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Status}}']);
    assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} ticker ${IMAGE} Up `, 'm'));

    const inspect = await docker(['inspect', '--format', '{{.State.Status}} {{.State.Running}} {{.Name}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}} {{.Config.Image}}', 'ticker']);
    ok(inspect, 'inspect');
    assert.equal(inspect.stdout.trim(), `running true /ticker bridge ${IMAGE}`);

    // logs -f follows until the container stops, then ends by itself.
    const follow = spawn('timeout', ['-s', 'KILL', '60', 'docker', 'logs', '-f', '--tail', '1', 'ticker'], { env: env() });
    let followed = '';
    follow.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    const followExit = new Promise<number | null>((resolve) => follow.once('close', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while ((followed.match(/tick/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok((followed.match(/tick/g) ?? []).length >= 3, followed);

    const timestamps = await docker(['logs', '-t', '--tail', '2', 'ticker']);
    assert.match(timestamps.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick \d+\n.*tick \d+\n$/);

    ok(await docker(['stop', '-t', '1', 'ticker']), 'stop');
    assert.equal(await followExit, 0);
    const waited = await docker(['wait', 'ticker']);
    ok(waited, 'wait');
    assert.equal(waited.stdout.trim(), '137'); // sh as PID 1 ignores SIGTERM: killed after 1 s

    ok(await docker(['restart', '-t', '1', 'ticker']), 'restart');
    const again = await docker(['inspect', '--format', '{{.State.Status}}', 'ticker']);
    assert.equal(again.stdout.trim(), 'running');
    ok(await docker(['kill', 'ticker']), 'kill');
    assert.equal((await docker(['wait', 'ticker'])).stdout.trim(), '137');

    ok(await docker(['start', 'ticker']), 'start');
    ok(await docker(['rm', '-f', 'ticker']), 'rm -f');
    const gone = await docker(['inspect', 'ticker']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No such (object|container): ticker/);
  });

  test('an unknown command exits 127 with the runtime’s message', async () => {
    const r = await docker(['run', IMAGE, 'no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /no-such-command.*(not found|no such file)/i);
  });

  test('docker run --rm of an unknown command exits 127 and removes the container', async () => {
    const r = await docker(['run', '--rm', '--name', 'gone-on-failure', IMAGE, 'no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    const left = await docker(['ps', '-aq', '--filter', 'name=gone-on-failure']);
    assert.equal(left.stdout.trim(), '');
  });

  test('docker start -a runs an exited container again and shows its output', async () => {
    ok(await docker(['run', '--name', 'again', IMAGE, 'echo', 'round']), 'first run');
    const r = await docker(['start', '-a', 'again']);
    ok(r, 'start -a');
    assert.equal(r.stdout, 'round\n');
  });

  test('a taken name is a 409 with Docker’s message', async () => {
    ok(await docker(['create', '--name', 'taken', IMAGE]), 'create');
    const r = await docker(['run', '--name', 'taken', IMAGE, 'true']);
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"/);
  });

  test('an invalid memory limit is refused', async () => {
    const r = await docker(['run', '--rm', '-m', '1k', IMAGE, 'true']);
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /Minimum memory limit allowed is 6MB/);
  });

  describe('exec, stats, top, cp on a running container', () => {
    before(async () => {
      ok(await docker(['run', '-d', '--name', 'svc', IMAGE, 'sleep', '600']), 'run -d');
    });

    test('docker exec without and with a terminal', async () => {
      const plain = await docker(['exec', 'svc', 'sh', '-c', 'echo in-container; cat /data/marker.txt; exit 6']);
      assert.equal(plain.code, 6, plain.stderr);
      assert.equal(plain.stdout, 'in-container\nfrom the image\n');

      const piped = await docker(['exec', '-i', 'svc', 'cat'], 'through stdin\n');
      ok(piped, 'exec -i');
      assert.equal(piped.stdout, 'through stdin\n');

      const tty = await dockerTty(`docker exec -it svc sh -c 'tty; exit 2'`);
      assert.equal(tty.code, 2, tty.stderr);
      assert.match(tty.stdout, /\/dev\/pts\/\d+/);
    });

    test('docker stats --no-stream and docker top', async () => {
      const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.MemUsage}}', 'svc']);
      ok(stats, 'stats');
      assert.match(stats.stdout, /^svc [1-9]\d* \S+/);

      const top = await docker(['top', 'svc']);
      ok(top, 'top');
      assert.match(top.stdout, /PID/);
      assert.match(top.stdout, /sleep 600/);
    });

    test('docker cp both ways', async () => {
      const out = path.join(t.dir, 'marker-out.txt');
      ok(await docker(['cp', 'svc:/data/marker.txt', out]), 'cp out');
      assert.equal(fs.readFileSync(out, 'utf8'), 'from the image\n');

      const into = path.join(t.dir, 'into.txt');
      fs.writeFileSync(into, 'copied in\n');
      ok(await docker(['cp', into, 'svc:/tmp/into.txt']), 'cp in');
      const read = await docker(['exec', 'svc', 'cat', '/tmp/into.txt']);
      assert.equal(read.stdout, 'copied in\n');
    });
  });
});
