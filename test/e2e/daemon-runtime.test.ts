import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unmountAllUnder } from '../../src/layers/index.js';
import { berthBin, ok, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { dockerCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const crunSkip = fs.existsSync('/usr/bin/crun') ? false : 'crun is not installed (apt-get install crun)';

/** `berth daemon --runtime crun` runs containers with crun and says so in `docker info`. */
describe('berth daemon --runtime crun', { skip: crunSkip }, () => {
  const t = tempRoot('berth-rt-');
  const cgroupParent = privateCgroupParent('berth-rt');
  const IMAGE = 'rtbox:1';
  let daemon: TestDaemon | undefined;
  const docker = dockerCli(t.dir, () => daemon);

  before(async () => {
    const { tarball } = await makeBusyboxRootfs(t.dir);
    daemon = await startDaemon(t.dir, ['--runtime', 'crun', '--cgroup-parent', cgroupParent]);
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

  test('docker info names crun as the default runtime', async () => {
    const info = ok(await docker(['info', '--format', '{{.DefaultRuntime}} {{json .Runtimes}}']), 'info').stdout.trim();
    assert.match(info, /^crun \{.*"crun":\{"path":"[^"]*crun"/);
  });

  test('docker run --rm runs a container through crun', async () => {
    const r = ok(await docker(['run', '--rm', IMAGE, 'echo', 'hi']), 'run');
    assert.equal(r.stdout, 'hi\n');
  });

  test('a detached container runs, execs and stops through crun', async () => {
    const id = ok(await docker(['run', '-d', '--name', 'svc', IMAGE, 'sleep', '600']), 'run -d').stdout.trim();
    // crun, not runc, holds the container's state (crun cannot read runc's).
    const listed = ok(await run('/usr/bin/crun', ['--root', path.join(t.dir, 'run', 'runc'), 'list', '-q']), 'crun list');
    assert.match(listed.stdout, new RegExp(`^${id}$`, 'm'));
    const exec = ok(await docker(['exec', 'svc', 'echo', 'inside']), 'exec');
    assert.equal(exec.stdout, 'inside\n');
    ok(await docker(['stop', '-t', '1', 'svc']), 'stop');
    assert.equal(ok(await docker(['wait', 'svc']), 'wait').stdout.trim(), '137');
  });
});

describe('berth daemon --runtime refuses what it cannot run', () => {
  const daemon = async (runtime: string): Promise<RunResult> => {
    const t = tempRoot('berth-rt-');
    try {
      return await run('timeout', ['-s', 'KILL', '30', process.execPath, berthBin, '--root', t.root, '--run', path.join(t.dir, 'run'), 'daemon', '--runtime', runtime]);
    } finally {
      t.cleanup();
    }
  };

  test('an unknown runtime', async () => {
    const r = await daemon('kata');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown runtime "kata": use runc or crun/);
  });
});
