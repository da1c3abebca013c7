import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unmountAllUnder } from '../../src/layers/index.js';
import { ok, tempRoot } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { dockerCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Zombie processes in a `cat /proc/[0-9]*\/stat` dump (state Z after the command name). */
const zombies = (stat: string): string[] => stat.split('\n').filter((line) => /^\d+ \(.*\) Z /.test(line));

/** `docker run --log-opt max-size=…` and `docker run --init` through berth daemon. */
describe('docker run --log-opt and --init', () => {
  const t = tempRoot('berth-ro-');
  const cgroupParent = privateCgroupParent('berth-ro');
  const IMAGE = 'robox:1';
  let daemon: TestDaemon | undefined;
  const docker = dockerCli(t.dir, () => daemon);

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir);
    daemon = await startDaemon(t.dir, ['--cgroup-parent', cgroupParent]);
    ok(await docker(['import', '--change', 'CMD ["sh"]', tarball, IMAGE]), 'import');
  });
  after(async () => {
    try {
      if (daemon !== undefined) {
        const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(['rm', '-f', ...ids]);
        await daemon.stop();
      }
    } finally {
      killContainerLeftovers(path.join(t.dir, 'run'));
      await unmountAllUnder(t.dir);
      await removeCgroupParent(cgroupParent);
      t.cleanup();
    }
  });

  describe('log rotation', () => {
    test('max-size=10k keeps the log file small, and docker logs shows the newest lines', async () => {
      // ~200 KB of output in 4,000 numbered lines.
      const script = 'i=0; while [ $i -lt 4000 ]; do echo "line $i ..........................................."; i=$((i+1)); done';
      const id = ok(await docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=10k', IMAGE, 'sh', '-c', script]), 'run').stdout.trim();
      assert.equal(ok(await docker(['wait', 'chatty']), 'wait').stdout.trim(), '0');

      const logFile = path.join(t.dir, 'root', 'containers', id, 'ctr.log');
      const size = fs.statSync(logFile).size;
      assert.ok(size <= 20_000, `log file is ${size} bytes, over 2 × max-size`);

      const logs = ok(await docker(['logs', 'chatty']), 'logs').stdout.split('\n').filter(Boolean);
      assert.ok(logs.length > 0);
      assert.match(logs.at(-1) ?? '', /^line 3999 \.+$/);
      // What is left is a run of whole, consecutive lines ending with the last.
      const numbers = logs.map((l) => Number(/^line (\d+) \.+$/.exec(l)?.[1] ?? NaN));
      assert.deepEqual(numbers, numbers.map((_, i) => 4000 - numbers.length + i));

      const config = ok(await docker(['inspect', '--format', '{{json .HostConfig.LogConfig.Config}}', 'chatty']), 'inspect').stdout.trim();
      assert.equal(config, '{"max-size":"10000"}');
    });

    test('other log drivers are refused with the reason', async () => {
      const r = await docker(['run', '--rm', '--log-driver', 'syslog', IMAGE, 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /log driver "syslog" is not supported: berth keeps every container's log as a file \(k8s-file/);
    });

    test('a bad max-size and an unknown option are refused', async () => {
      const size = await docker(['run', '--rm', '--log-opt', 'max-size=lots', IMAGE, 'true']);
      assert.equal(size.code, 125, size.stderr);
      assert.match(size.stderr, /invalid max-size log option "lots"/);
      const unknown = await docker(['run', '--rm', '--log-opt', 'colour=blue', IMAGE, 'true']);
      assert.equal(unknown.code, 125, unknown.stderr);
      assert.match(unknown.stderr, /unknown log opt 'colour' for json-file log driver/);
    });
  });

  describe('--init', () => {
    /** Skips when the daemon found no init binary to mount. */
    const needInit = async (ctx: { skip(message: string): void }): Promise<boolean> => {
      const binary = ok(await docker(['info', '--format', '{{.InitBinary}}']), 'info').stdout.trim();
      if (binary === '') ctx.skip('no init binary on this host (apt-get install catatonit)');
      return binary !== '';
    };

    test('PID 1 is the init, the command its child', async (ctx) => {
      if (!(await needInit(ctx))) return;
      const r = ok(await docker(['run', '--rm', '--init', IMAGE, 'busybox', 'ps', '-o', 'pid,ppid,args']), 'run --init ps');
      assert.match(r.stdout, /^\s*1\s+0\s+\/sbin\/docker-init -- busybox ps/m);
      assert.match(r.stdout, /^\s*\d+\s+1\s+busybox ps/m);
    });

    test('an orphan is reaped by the init (and stays a zombie without one)', async (ctx) => {
      if (!(await needInit(ctx))) return;
      // The inner sh leaves `sleep 0.2` behind for PID 1; the outer one becomes `sleep 600`, which reaps nothing.
      const orphaning = ['sh', '-c', 'sh -c "sleep 0.2 &"; exec sleep 600'];
      ok(await docker(['run', '-d', '--name', 'with-init', '--init', IMAGE, ...orphaning]), 'run --init');
      ok(await docker(['run', '-d', '--name', 'without-init', IMAGE, ...orphaning]), 'run');
      await sleep(1000);
      const stat = async (name: string): Promise<string> => ok(await docker(['exec', name, 'sh', '-c', 'cat /proc/[0-9]*/stat']), `exec ${name}`).stdout;
      assert.deepEqual(zombies(await stat('with-init')), []);
      assert.equal(zombies(await stat('without-init')).length, 1, 'the control has its zombie');
      // The init forwards the stop signal: sleep dies of SIGTERM at once.
      ok(await docker(['stop', '-t', '10', 'with-init']), 'stop');
      assert.equal(ok(await docker(['wait', 'with-init']), 'wait').stdout.trim(), '143');
    });

    test('--ulimit sets the process limits and inspect reports them; a bad one is refused', async () => {
      const r = ok(await docker(['run', '--name', 'limited', '--ulimit', 'nofile=512:1024', '--ulimit', 'nproc=300', IMAGE, 'sh', '-c', 'ulimit -Sn; ulimit -Hn; ulimit -u']), 'run --ulimit');
      assert.deepEqual(r.stdout.trim().split('\n'), ['512', '1024', '300']);
      const limits = JSON.parse(ok(await docker(['inspect', '-f', '{{json .HostConfig.Ulimits}}', 'limited']), 'inspect').stdout) as unknown;
      assert.deepEqual(limits, [{ Name: 'nofile', Hard: 1024, Soft: 512 }, { Name: 'nproc', Hard: 300, Soft: 300 }]);
      const bad = await docker(['run', '--rm', '--ulimit', 'nosuch=1:1', IMAGE, 'true']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /nosuch/);
    });
  });
});

