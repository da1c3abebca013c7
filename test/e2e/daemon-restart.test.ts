import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mountsUnder, unmountAllUnder } from '../../src/layers/index.js';
import { run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The counters of `line N` output, in order. */
const counters = (logs: string): number[] => logs.split('\n').filter(Boolean).map((l) => Number(/^line (\d+)$/.exec(l)?.[1] ?? NaN));

/**
 * Containers outlive a SIGKILL of berth daemon (conmon owns them): a new daemon on the
 * same root and run dir finds the one still running, with a log that kept growing while
 * no daemon ran; records the exit code of the one that exited meanwhile; starts the
 * `--restart always` one that exited meanwhile; and can stop them all.
 */
describe('berth daemon restarted after a SIGKILL', () => {
  // A short prefix: conmon's attach socket path under <dir>/run must fit in 108 bytes.
  const t = tempRoot('berth-rs-');
  const cgroupParent = privateCgroupParent('berth-rs');
  const runDir = path.join(t.dir, 'run');
  const IMAGE = 'rsbox:1';
  let daemon: TestDaemon | undefined;
  let killedAt = 0;
  let linesAtKill = 0;

  const start = (): Promise<TestDaemon> => startDaemon(t.dir, ['--cgroup-parent', cgroupParent]);
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DOCKER_HOST: `unix://${runDir}/docker.sock`,
    DOCKER_CONFIG: path.join(t.dir, 'docker-config'),
  });
  const docker = (args: string[]): Promise<RunResult> => run('timeout', ['-s', 'KILL', '60', 'docker', ...args], { env: env() });
  const ok = (r: RunResult, what: string): RunResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };
  const inspect = async (name: string, format: string): Promise<string> => ok(await docker(['inspect', '--format', format, name]), `inspect ${name}`).stdout.trim();

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir);
    daemon = await start();
    ok(await docker(['import', '--change', 'CMD ["sh"]', tarball, IMAGE]), 'import');
  });

  after(async () => {
    try {
      // A daemon cleans up best; start one if the test left none running.
      if (daemon === undefined || daemon.process.exitCode !== null || daemon.process.signalCode !== null) daemon = await start().catch(() => undefined);
      if (daemon !== undefined) {
        const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(['rm', '-f', ...ids]);
        await daemon.stop();
      }
    } finally {
      killContainerLeftovers(runDir);
      const left = await mountsUnder(t.dir);
      await unmountAllUnder(t.dir);
      await removeCgroupParent(cgroupParent);
      t.cleanup();
      assert.deepEqual(left, [], 'mounts left under the temp dir');
    }
  });

  test('containers are started, then the daemon is SIGKILLed', async () => {
    ok(await docker(['run', '-d', '--name', 'ticker', IMAGE, 'sh', '-c', 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done']), 'run ticker');
    // Exits with 3 the first time, while no daemon runs; started again, it stays up.
    ok(
      await docker(['run', '-d', '--name', 'always', '--restart', 'always', IMAGE, 'sh', '-c', 'if [ -e /tmp/ran ]; then exec sleep 600; fi; echo > /tmp/ran; sleep 2; exit 3']),
      'run always',
    );
    ok(await docker(['run', '-d', '--name', 'exiter', IMAGE, 'sh', '-c', 'sleep 2; exit 7']), 'run exiter');
    const up = ok(await docker(['ps', '--format', '{{.Names}}']), 'ps').stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(up, ['always', 'exiter', 'ticker']);

    linesAtKill = counters(ok(await docker(['logs', 'ticker']), 'logs').stdout).length;
    assert.ok(linesAtKill > 0, 'the ticker has logged');
    const pid = daemon?.process.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await daemon?.stop(); // resolves once the process is gone
    killedAt = Date.now();
    daemon = undefined;
    await sleep(3000);
    daemon = await start();
  });

  test('the running container is still running, and its log has no gap', async () => {
    const ps = ok(await docker(['ps', '--format', '{{.Names}} {{.Status}}']), 'ps').stdout;
    assert.match(ps, /^ticker Up /m);
    assert.equal(await inspect('ticker', '{{.State.Status}} {{.State.Running}}'), 'running true');

    const lines = counters(ok(await docker(['logs', 'ticker']), 'logs').stdout);
    assert.deepEqual(lines, lines.map((_, i) => i), 'consecutive from 0');
    // ~10 lines a second for the 3 s without a daemon.
    assert.ok(lines.length >= linesAtKill + 20, `${lines.length} lines after the restart, ${linesAtKill} at the kill`);
  });

  test('the container that exited meanwhile shows its exit code', async () => {
    const status = ok(await docker(['ps', '-a', '--filter', 'name=exiter', '--format', '{{.Status}}']), 'ps -a').stdout;
    assert.match(status, /^Exited \(7\) /);
    assert.equal(await inspect('exiter', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 7');
  });

  test('a --restart always container that exited meanwhile runs again', async () => {
    assert.equal(await inspect('always', '{{.State.Status}}'), 'running');
    const startedAt = Date.parse(await inspect('always', '{{.State.StartedAt}}'));
    assert.ok(startedAt > killedAt, 'started again by the new daemon');
    await sleep(2500); // past the first run's `sleep 2`: this run stays up
    assert.equal(await inspect('always', '{{.State.Status}}'), 'running');
  });

  test('SIGTERM shuts the daemon down cleanly and leaves containers running', async () => {
    const before = await inspect('always', '{{.State.Pid}}');
    const code = await daemon?.stop(); // SIGTERM
    assert.equal(code, 0, 'a clean exit');
    daemon = await start();
    assert.equal(await inspect('always', '{{.State.Status}} {{.State.Pid}}'), `running ${before}`, 'the same process, untouched');
  });

  test('docker stop of the re-adopted container works, and the log is complete', async () => {
    ok(await docker(['stop', '-t', '1', 'ticker']), 'stop');
    assert.equal(ok(await docker(['wait', 'ticker']), 'wait').stdout.trim(), '137'); // sh ignores SIGTERM
    assert.equal(await inspect('ticker', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    const lines = counters(ok(await docker(['logs', 'ticker']), 'logs').stdout);
    assert.deepEqual(lines, lines.map((_, i) => i));
    ok(await docker(['stop', '-t', '1', 'always']), 'stop always');
  });
});
