/*
 * The `berth volume` verbs and the run flags for mounts, against a berth daemon on a
 * private root and cgroup parent: tables, JSON output, errors and exit codes as a user
 * sees them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { unmountAllUnder } from '../../src/layers/index.js';
import { berthBin, run, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

let dir = '';
let daemon: TestDaemon | undefined;
const cgroupParent = privateCgroupParent('berth-clivol');
const berth = (args: string[]): Promise<RunResult> => run(process.execPath, [berthBin, '--host', `unix://${daemon?.socketPath ?? ''}`, ...args]);

before(async () => {
  dir = fs.mkdtempSync('/tmp/bcv-');
  const { tarball } = await makeBusyboxRootfs(path.join(dir, 'image'), 'seed');
  daemon = await startDaemon(dir, ['--cgroup-parent', cgroupParent]);
  const imported = await berth(['image', 'import', '-c', 'VOLUME /data', tarball, 'bb']);
  assert.equal(imported.code, 0, imported.stderr);
});

after(async () => {
  try {
    if (daemon !== undefined) {
      const ids = (await berth(['ps', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await berth(['rm', '-f', '-v', ...ids]);
      await daemon.stop();
    }
  } finally {
    killContainerLeftovers(path.join(dir, 'run'));
    await unmountAllUnder(dir);
    await removeCgroupParent(cgroupParent);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('volume create, ls (aligned table, -q, json, filters), inspect, rm', async () => {
  assert.equal((await berth(['volume', 'create', '-l', 'env=prod', 'appdata'])).stdout, 'appdata\n');
  assert.equal((await berth(['volume', 'create', 'a-much-longer-volume-name'])).stdout, 'a-much-longer-volume-name\n');
  const table = await berth(['volume', 'ls']);
  assert.equal(table.stdout, ['DRIVER   VOLUME NAME', 'local    a-much-longer-volume-name', 'local    appdata', ''].join('\n'));
  assert.equal((await berth(['volume', 'ls', '-q', '-f', 'label=env=prod'])).stdout, 'appdata\n');
  assert.equal((await berth(['volume', 'ls', '-q', '-f', 'name=longer'])).stdout, 'a-much-longer-volume-name\n');
  const json = JSON.parse((await berth(['volume', 'ls', '--format', 'json'])).stdout) as Array<{ Name: string; Labels: unknown }>;
  assert.deepEqual(json.map((v) => [v.Name, v.Labels]), [['a-much-longer-volume-name', {}], ['appdata', { env: 'prod' }]]);
  const [inspected] = JSON.parse((await berth(['volume', 'inspect', 'appdata'])).stdout) as Array<{ Mountpoint: string }>;
  assert.equal(inspected?.Mountpoint, path.join(dir, 'root', 'volumes', 'appdata', '_data'));
  const missing = await berth(['volume', 'inspect', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Error: get nope: no such volume/);
  const bad = await berth(['volume', 'ls', '-f', 'colour=red']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid filter 'colour'/);
  assert.equal((await berth(['volume', 'rm', 'appdata', 'a-much-longer-volume-name'])).stdout, 'appdata\na-much-longer-volume-name\n');
});

test('run -v / --mount / --tmpfs / --volumes-from, and errors naming the bad field', async () => {
  const first = await berth(['run', '--name', 'one', '-v', 'cli-data:/data', 'bb', 'sh', '-c', 'cat /data/marker.txt; echo more >> /data/marker.txt']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'seed\n', 'filled from the image');
  const second = await berth(['run', '--rm', '--volumes-from', 'one:ro', '--tmpfs', '/scratch:size=1m', 'bb', 'sh', '-c', 'cat /data/marker.txt; echo x > /scratch/ok && echo tmpfs-ok']);
  assert.equal(second.stdout, 'seed\nmore\ntmpfs-ok\n', second.stderr);
  const inUse = await berth(['volume', 'rm', 'cli-data']);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /Error: remove cli-data: volume is in use - \[[0-9a-f]{64}\]/);

  const badMount = await berth(['run', '--rm', '--mount', 'type=bind,src=/tmp,dst=/x,bind-propagation=sideways', 'bb', 'true']);
  assert.equal(badMount.code, 125, 'refused by the daemon, as docker run reports it');
  assert.match(badMount.stderr, /invalid propagation mode: sideways/);
  const badKey = await berth(['run', '--rm', '--mount', 'type=volume,target=/x,colour=red', 'bb', 'true']);
  assert.equal(badKey.code, 2);
  assert.match(badKey.stderr, /--mount "type=volume,target=\/x,colour=red": unexpected key 'colour'/);
  const badBind = await berth(['run', '--rm', '-v', 'x:/a:rw,ro', 'bb', 'true']);
  assert.equal(badBind.code, 125);
  assert.match(badBind.stderr, /binds\[0\]: invalid mode: rw,ro/);
  const badTmpfs = await berth(['run', '--rm', '--tmpfs', '/t:size=huge', 'bb', 'true']);
  assert.equal(badTmpfs.code, 125);
  assert.match(badTmpfs.stderr, /tmpfs\["\/t"\]: invalid tmpfs size "huge"/);

  assert.equal((await berth(['rm', '-v', 'one'])).code, 0);
  const pruned = await berth(['volume', 'prune', '-a']);
  assert.match(pruned.stdout, /^Deleted Volumes:\ncli-data\n\nTotal reclaimed space: \d+B\n$/);
});
