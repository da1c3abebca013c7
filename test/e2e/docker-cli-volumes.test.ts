import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { unmountAllUnder } from '../../src/layers/index.js';
import { run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

/**
 * The docker CLI manages volumes and mounts through berth daemon: `docker volume
 * create/ls/inspect/rm/prune`, `docker run -v NAME:/path`, read-only binds, `--mount
 * type=tmpfs`, `--volumes-from`, and inspect's Mounts and HostConfig in Docker's shapes.
 */
describe('the docker CLI uses volumes through berth daemon', () => {
  const t = tempRoot('berth-vol-');
  let daemon: TestDaemon | undefined;
  const IMAGE = 'volbox:1';
  const docker = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    run('timeout', ['-s', 'KILL', '60', 'docker', ...args], {
      env: { ...process.env, DOCKER_HOST: `unix://${daemon?.socketPath ?? ''}`, DOCKER_CONFIG: path.join(t.dir, 'docker-config'), ...extraEnv },
    });
  const ok = (r: RunResult, what: string): RunResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };
  const cgroupParent = privateCgroupParent('berth-vol');
  const volumesDir = path.join(t.root, 'volumes');

  before(async () => {
    const { rootfs } = await makeBusyboxRootfs(t.dir, 'image data');
    for (const applet of ['touch', 'dd', 'df', 'tail']) await symlink('busybox', path.join(rootfs, 'bin', applet));
    const tarball = path.join(t.dir, 'volbox.tar');
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
    daemon = await startDaemon(t.dir, ['--cgroup-parent', cgroupParent]);
    ok(await docker(['import', '--change', 'CMD ["sh"]', tarball, IMAGE]), 'import');
  });
  after(async () => {
    try {
      if (daemon !== undefined) {
        const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
        await daemon.stop();
      }
    } finally {
      killContainerLeftovers(path.join(t.dir, 'run'));
      await unmountAllUnder(t.dir);
      await removeCgroupParent(cgroupParent);
      t.cleanup();
    }
  });

  test('docker volume create, ls, inspect and rm', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    assert.equal(ok(await docker(['volume', 'create', '--label', 'team=blue', 'cli-vol']), 'create').stdout, 'cli-vol\n');
    assert.equal(ok(await docker(['volume', 'create', 'cli-vol']), 'create again').stdout, 'cli-vol\n');
    const ls = ok(await docker(['volume', 'ls']), 'ls').stdout;
    assert.match(ls, /^DRIVER\s+VOLUME NAME\n/);
    assert.match(ls, /^local\s+cli-vol$/m);
    assert.equal(ok(await docker(['volume', 'ls', '-q', '--filter', 'label=team=blue']), 'ls filtered').stdout, 'cli-vol\n');
    assert.equal(ok(await docker(['volume', 'ls', '-q', '--filter', 'label=team=red']), 'ls filtered').stdout, '');
    const [v] = JSON.parse(ok(await docker(['volume', 'inspect', 'cli-vol']), 'inspect').stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      { ...v, CreatedAt: typeof v?.['CreatedAt'] },
      { CreatedAt: 'string', Driver: 'local', Labels: { team: 'blue' }, Mountpoint: path.join(volumesDir, 'cli-vol', '_data'), Name: 'cli-vol', Options: null, Scope: 'local' },
    );
    assert.match(String(v?.['CreatedAt']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(ok(await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'cli-vol']), 'inspect format').stdout.trim(), path.join(volumesDir, 'cli-vol', '_data'));
    assert.equal(ok(await docker(['volume', 'rm', 'cli-vol']), 'rm').stdout, 'cli-vol\n');
    const gone = await docker(['volume', 'inspect', 'cli-vol']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no such volume/);
    assert.equal(fs.existsSync(path.join(volumesDir, 'cli-vol')), false);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = ok(await docker(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}']), 'events');
    assert.equal(events.stdout, 'volume create cli-vol local\nvolume destroy cli-vol local\n');
    assert.equal(ok(await docker(['volume', 'rm', '-f', 'never-was']), 'rm -f of a missing volume').stdout, 'never-was\n');
    const missing = await docker(['volume', 'rm', 'never-was']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /get never-was: no such volume/);
    const badFilter = await docker(['volume', 'ls', '--filter', 'colour=red']);
    assert.equal(badFilter.code, 1);
    assert.match(badFilter.stderr, /invalid filter 'colour'/);
    const bad = await docker(['volume', 'create', 'no/slash']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"no\/slash" includes invalid characters for a local volume name/);
  });

  test('docker run -v vol:/data: written by one container, read by the next; Mounts as Docker shows them', async () => {
    ok(await docker(['run', '--name', 'writer', '-v', 'shared:/data', IMAGE, 'sh', '-c', 'echo hello > /data/greeting']), 'writer');
    const mounts = JSON.parse(ok(await docker(['inspect', '--format', '{{json .Mounts}}', 'writer']), 'inspect').stdout) as unknown[];
    assert.deepEqual(mounts, [
      { Type: 'volume', Name: 'shared', Source: path.join(volumesDir, 'shared', '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ]);
    assert.equal(ok(await docker(['inspect', '--format', '{{json .HostConfig.Binds}}', 'writer']), 'binds').stdout.trim(), '["shared:/data"]');
    assert.equal(ok(await docker(['ps', '-a', '--filter', 'volume=shared', '--format', '{{.Names}} {{.Mounts}}']), 'ps').stdout, 'writer shared\n');
    const inUse = await docker(['volume', 'rm', 'shared']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /remove shared: volume is in use - \[[0-9a-f]{64}\]/);
    ok(await docker(['run', '-d', '--name', 'cpbox', '-v', 'shared:/data', IMAGE, 'sleep', '30']), 'cpbox');
    const local = path.join(t.dir, 'to-copy.txt');
    fs.writeFileSync(local, 'copied in\n');
    ok(await docker(['cp', local, 'cpbox:/data/copied.txt']), 'cp into the volume');
    assert.equal(fs.readFileSync(path.join(volumesDir, 'shared', '_data', 'copied.txt'), 'utf8'), 'copied in\n');
    assert.equal(ok(await docker(['cp', 'cpbox:/data/greeting', '-']), 'cp out of the volume').stdout.includes('hello\n'), true);
    ok(await docker(['rm', '-f', 'cpbox']), 'rm cpbox');
    ok(await docker(['rm', 'writer']), 'rm writer');
    const read = ok(await docker(['run', '--rm', '-v', 'shared:/again:ro', IMAGE, 'cat', '/again/greeting']), 'reader');
    assert.equal(read.stdout, 'hello\n');
    ok(await docker(['volume', 'rm', 'shared']), 'volume rm');
  });

  test('a read-only bind of a host directory refuses writes', async () => {
    const host = fs.mkdtempSync(path.join(t.dir, 'ro-'));
    fs.writeFileSync(path.join(host, 'in'), 'host file\n');
    const r = await docker(['run', '--name', 'robind', '-v', `${host}:/x:ro`, IMAGE, 'sh', '-c', 'cat /x/in; touch /x/new']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, 'host file\n');
    assert.match(r.stderr, /touch: \/x\/new: Read-only file system/);
    assert.equal(fs.existsSync(path.join(host, 'new')), false);
    const mounts = JSON.parse(ok(await docker(['inspect', '--format', '{{json .Mounts}}', 'robind']), 'inspect').stdout) as unknown[];
    assert.deepEqual(mounts, [{ Type: 'bind', Source: host, Destination: '/x', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
    ok(await docker(['rm', 'robind']), 'rm');
  });

  test('--mount type=tmpfs: a size-limited tmpfs; --tmpfs too; HostConfig keeps both', async () => {
    const r = await docker([
      'run', '--name', 'tmpfs', '--mount', 'type=tmpfs,destination=/scratch,tmpfs-size=1m', '--tmpfs', '/run:size=2m',
      IMAGE, 'sh', '-c', 'df -k /scratch /run | tail -2; dd if=/dev/zero of=/scratch/fill bs=1024 count=2048',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^tmpfs\s+1024\s.*\/scratch\ntmpfs\s+2048\s.*\/run\n$/);
    assert.match(r.stderr, /No space left on device/);
    const host = JSON.parse(ok(await docker(['inspect', '--format', '{{json .HostConfig}}', 'tmpfs']), 'inspect').stdout) as Record<string, unknown>;
    assert.deepEqual(host['Mounts'], [{ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576 } }]);
    assert.deepEqual(host['Tmpfs'], { '/run': 'size=2m' });
    const mounts = JSON.parse(ok(await docker(['inspect', '--format', '{{json .Mounts}}', 'tmpfs']), 'inspect').stdout) as unknown[];
    assert.deepEqual(mounts, [{ Type: 'tmpfs', Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: '' }]);
    ok(await docker(['rm', 'tmpfs']), 'rm');
    const missing = await docker(['run', '--rm', '--mount', `type=bind,source=${path.join(t.dir, 'absent')},target=/x`, IMAGE, 'true']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /bind source path does not exist/);
  });

  test('--volumes-from, anonymous volumes, rm -v and prune', async () => {
    ok(await docker(['run', '--name', 'donor', '-v', '/anon', '-v', 'named-keep:/named', IMAGE, 'sh', '-c', 'echo a > /anon/f; echo n > /named/f']), 'donor');
    const donorMounts = JSON.parse(ok(await docker(['inspect', '--format', '{{json .Mounts}}', 'donor']), 'inspect').stdout) as Array<{ Name: string; Destination: string }>;
    const anon = donorMounts.find((m) => m.Destination === '/anon')?.Name ?? '';
    assert.equal(ok(await docker(['inspect', '--format', '{{json .Config.Volumes}}', 'donor']), 'inspect').stdout.trim(), '{"/anon":{}}');
    assert.match(anon, /^[0-9a-f]{64}$/);
    const r = await docker(['run', '--rm', '--volumes-from', 'donor:ro', IMAGE, 'sh', '-c', 'cat /anon/f /named/f; touch /named/x']);
    assert.equal(r.stdout, 'a\nn\n');
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(ok(await docker(['volume', 'ls', '-q', '--filter', 'dangling=true']), 'dangling').stdout, '');
    ok(await docker(['rm', '-v', 'donor']), 'rm -v');
    const left = ok(await docker(['volume', 'ls', '-q']), 'ls').stdout.split('\n').filter(Boolean);
    assert.ok(!left.includes(anon), 'rm -v removes the anonymous volume');
    assert.ok(left.includes('named-keep'), 'rm -v keeps named volumes');
    ok(await docker(['volume', 'create', 'named-two']), 'create');
    const df = ok(await docker(['system', 'df', '-v', '--format', '{{json .Volumes}}']), 'system df').stdout;
    const dfVolumes = JSON.parse(df) as Array<{ Name: string; Links: string; Size: string }>;
    assert.deepEqual(dfVolumes.map((v) => [v.Name, v.Links, v.Size]).sort(), [['named-keep', '0', '2B'], ['named-two', '0', '0B']]);
    const pruneAnon = ok(await docker(['volume', 'prune', '-f']), 'prune').stdout;
    assert.match(pruneAnon, /Total reclaimed space: 0B/);
    const pruneAll = ok(await docker(['volume', 'prune', '-a', '-f']), 'prune -a').stdout;
    assert.match(pruneAll, /Deleted Volumes:\n(named-keep\nnamed-two|named-two\nnamed-keep)\n/);
    assert.equal(ok(await docker(['volume', 'ls', '-q']), 'ls').stdout, '');
    // A client speaking an API older than 1.42 gets the old prune: named volumes too.
    ok(await docker(['volume', 'create', 'old-client']), 'create');
    const oldPrune = ok(await docker(['volume', 'prune', '-f'], { DOCKER_API_VERSION: '1.41' }), 'prune with API 1.41').stdout;
    assert.match(oldPrune, /Deleted Volumes:\nold-client\n/);
  });
});
