/*
 * The `berth` network verbs and run's network flags against berth daemon: network
 * create/ls/inspect/connect/disconnect/rm/prune, run -p/--network/--network-alias/
 * --add-host/--dns, and `berth port`, as a user types them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { instanceTag } from '../../src/engine/index.js';
import { berth, run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers, networkLeftovers, removeNetworkLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const t = tempRoot('berth-cn-');
const cgroupParent = privateCgroupParent('berth-cn');
const octet = 100 + ((process.pid + 37) % 100);
const IMAGE = 'cnbox:1';
let daemon: TestDaemon | undefined;

const b = (args: string[]): Promise<RunResult> => berth(path.join(t.dir, 'root'), ['--host', `unix://${daemon?.socketPath ?? ''}`, ...args]);
const ok = (r: RunResult, what: string): RunResult => {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
};

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/index.html', timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

before(async () => {
  const { rootfs } = await makeBusyboxRootfs(t.dir);
  for (const applet of ['httpd', 'nc', 'ip']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.mkdirSync(path.join(rootfs, 'www'));
  fs.writeFileSync(path.join(rootfs, 'www/index.html'), 'cli page\n');
  const tarball = path.join(t.dir, 'cnbox.tar');
  await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  daemon = await startDaemon(t.dir, ['--cgroup-parent', cgroupParent, '--default-subnet', `10.${octet}.20.0/24`, '--dns-upstream', '127.0.0.1:9']);
  ok(await b(['image', 'import', '-c', 'CMD ["sh"]', tarball, IMAGE]), 'import');
});

after(async () => {
  const tag = instanceTag(path.join(t.dir, 'root'));
  try {
    if (daemon !== undefined) {
      const ids = (await b(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await b(['rm', '-f', ...ids]);
      await b(['network', 'prune', '-f']);
      await daemon.stop();
    }
    assert.deepEqual(await networkLeftovers(tag), []);
  } finally {
    killContainerLeftovers(path.join(t.dir, 'run'));
    await removeNetworkLeftovers(tag);
    await removeCgroupParent(cgroupParent);
    t.cleanup();
  }
});

test('berth network create/ls/inspect/rm and prune; bad input is refused', async () => {
  const id = ok(await b(['network', 'create', '--subnet', `10.${octet}.21.0/24`, '--gateway', `10.${octet}.21.254`, '--label', 'team=a', 'cnet']), 'create').stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ls = ok(await b(['network', 'ls']), 'ls').stdout;
  assert.match(ls, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/m);
  assert.match(ls, new RegExp(`^${id.slice(0, 12)}\\s+cnet\\s+bridge\\s+local$`, 'm'));
  assert.equal(ok(await b(['network', 'ls', '-q', '-f', 'label=team=a']), 'ls -q').stdout, `${id.slice(0, 12)}\n`);
  const info = JSON.parse(ok(await b(['network', 'inspect', 'cnet']), 'inspect').stdout) as Array<{ IPAM: { Config: unknown[] }; Labels: unknown }>;
  assert.deepEqual(info[0]?.IPAM.Config, [{ Subnet: `10.${octet}.21.0/24`, Gateway: `10.${octet}.21.254` }]);
  const dup = await b(['network', 'create', 'cnet']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /already exists/);
  const bad = await b(['network', 'create', '--subnet', '10.0.0.1/8', 'badnet']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /host bits set/);
  const builtin = await b(['network', 'rm', 'bridge']);
  assert.notEqual(builtin.code, 0);
  assert.match(builtin.stderr, /pre-defined network/);
  assert.match(ok(await b(['network', 'prune', '-f']), 'prune').stdout, /Deleted Networks:\ncnet\n/);
  assert.doesNotMatch(ok(await b(['network', 'ls']), 'ls').stdout, /cnet/);
});

test('berth run -p, berth port, --network/--network-alias, connect/disconnect, --add-host', async () => {
  ok(await b(['run', '-d', '--name', 'cweb', '-p', '127.0.0.1::80', 'cnbox:1', 'httpd', '-f', '-p', '80', '-h', '/www']), 'run -p');
  // httpd binds its port a moment after the container starts
  ok(await b(['exec', 'cweb', 'sh', '-c', "i=0; until busybox grep -q ':0050 [0-9A-F:]* 0A ' /proc/net/tcp /proc/net/tcp6; do i=$((i+1)); [ $i -gt 400 ] && exit 1; sleep 0.05; done"]), 'httpd listens');
  const port = ok(await b(['port', 'cweb', '80']), 'port').stdout.trim();
  const m = /^127\.0\.0\.1:(\d+)$/.exec(port);
  assert.ok(m, port);
  assert.equal(await get(Number(m[1])), 'cli page\n');
  assert.match(ok(await b(['port', 'cweb']), 'port all').stdout, /^80\/tcp -> 127\.0\.0\.1:\d+$/m);
  const ps = ok(await b(['ps', '--filter', 'name=cweb']), 'ps').stdout;
  assert.match(ps, /127\.0\.0\.1:\d+->80\/tcp/);
  const noPort = await b(['port', 'cweb', '81']);
  assert.notEqual(noPort.code, 0);
  assert.match(noPort.stderr, /No public port '81\/tcp'/);
  const badSpec = await b(['run', '-d', '-p', '80/icmp', IMAGE]);
  assert.notEqual(badSpec.code, 0);
  assert.match(badSpec.stderr, /invalid proto in -p "80\/icmp"/);

  ok(await b(['network', 'create', '--subnet', `10.${octet}.22.0/24`, 'cside']), 'create');
  ok(await b(['run', '-d', '--name', 'cpeer', '--network', 'cside', '--network-alias', 'peer', '--add-host', 'db:10.1.1.1', IMAGE, 'sleep', '300']), 'run peer');
  assert.match(ok(await b(['exec', 'cpeer', 'cat', '/etc/hosts']), 'hosts').stdout, /^10\.1\.1\.1\tdb$/m);
  ok(await b(['network', 'connect', '--alias', 'webby', 'cside', 'cweb']), 'connect');
  const r = ok(await b(['exec', 'cpeer', 'sh', '-c', "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 webby 80"]), 'fetch by alias').stdout;
  assert.match(r, /cli page/);
  ok(await b(['network', 'disconnect', 'cside', 'cweb']), 'disconnect');
  const inUse = await b(['network', 'rm', 'cside']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /active endpoints/);
  ok(await b(['rm', '-f', 'cweb', 'cpeer']), 'rm');
  ok(await b(['network', 'rm', 'cside']), 'network rm');
});
