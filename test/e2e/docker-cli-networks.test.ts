import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as packet from 'dns-packet';
import { instanceTag } from '../../src/engine/index.js';
import { run, tempRoot, type RunResult } from '../helpers/berth.js';
import { privateCgroupParent, removeCgroupParent } from '../helpers/cgroups.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { killContainerLeftovers, networkLeftovers, removeNetworkLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

function get(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: '/index.html', timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject)
      .on('timeout', () => reject(new Error('timeout')));
  });
}

/**
 * The docker CLI against berth daemon's networks: a user network whose containers reach
 * each other by name and alias, ports published on 127.0.0.1 and on every address, the
 * none, host and container: modes, connect/disconnect, names outside the network
 * forwarded to an upstream (a fake one on loopback), and after a SIGKILL of the daemon
 * and a restart nothing left of containers that went away meanwhile.
 */
describe('the docker CLI and berth daemon networks', () => {
  // A short prefix: conmon's attach socket path under <dir>/run must fit in 108 bytes.
  const t = tempRoot('berth-net-');
  const cgroupParent = privateCgroupParent('berth-net');
  const IMAGE = 'netbox:1';
  const octet = 100 + (process.pid % 100);
  const upstreamQueries: string[] = [];
  const upstream = dgram.createSocket('udp4');
  let daemon: TestDaemon | undefined;
  let tag = '';

  const start = (): Promise<TestDaemon> =>
    startDaemon(t.dir, ['--cgroup-parent', cgroupParent, '--default-subnet', `10.${octet}.10.0/24`, '--dns-upstream', `127.0.0.1:${upstream.address().port}`]);
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: `unix://${path.join(t.dir, 'run', 'docker.sock')}`, DOCKER_CONFIG: path.join(t.dir, 'docker-config') });
  const docker = (args: string[]): Promise<RunResult> => run('timeout', ['-s', 'KILL', '60', 'docker', ...args], { env: env() });
  const ok = (r: RunResult, what: string): RunResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };
  /** GET /index.html from inside a container with busybox nc (this static busybox's wget needs NSS libraries). */
  const fetchIn = async (container: string, host: string, port = 80): Promise<string> => {
    const r = await docker(['exec', container, 'sh', '-c', `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`]);
    const split = r.stdout.indexOf('\r\n\r\n');
    return split < 0 ? '' : r.stdout.slice(split + 4);
  };
  const httpd = ['httpd', '-f', '-p', '80', '-h', '/www'];
  /** httpd binds its port a moment after the container starts. */
  const listening = async (container: string): Promise<void> => {
    ok(await docker(['exec', container, 'sh', '-c', "i=0; until busybox grep -q ':0050 [0-9A-F:]* 0A ' /proc/net/tcp /proc/net/tcp6; do i=$((i+1)); [ $i -gt 400 ] && exit 1; sleep 0.05; done"]), `httpd in ${container} listens`);
  };
  const PAGE = 'served by busybox\n';

  before(async () => {
    upstream.on('message', (msg, from) => {
      const q = packet.decode(msg);
      const question = q.questions?.[0];
      upstreamQueries.push(question?.name ?? '');
      const answers: packet.Answer[] = question?.type === 'A' ? [{ type: 'A', name: question.name, ttl: 5, data: '192.0.2.77' }] : [];
      upstream.send(packet.encode({ type: 'response', id: q.id ?? 0, flags: packet.RECURSION_AVAILABLE, questions: q.questions ?? [], answers }), from.port, from.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    const { rootfs } = await makeBusyboxRootfs(t.dir);
    for (const applet of ['httpd', 'nc', 'ip', 'nslookup', 'hostname']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    fs.mkdirSync(path.join(rootfs, 'www'));
    fs.writeFileSync(path.join(rootfs, 'www/index.html'), PAGE);
    const tarball = path.join(t.dir, 'netbox.tar');
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
    daemon = await start();
    tag = instanceTag(path.join(t.dir, 'root'));
    ok(await docker(['import', '--change', 'CMD ["sh"]', '--change', 'EXPOSE 80', tarball, IMAGE]), 'import');
  });

  after(async () => {
    try {
      if (daemon === undefined || daemon.process.exitCode !== null || daemon.process.signalCode !== null) daemon = await start().catch(() => undefined);
      if (daemon !== undefined) {
        const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(['rm', '-f', ...ids]);
        await docker(['network', 'prune', '-f']);
        await daemon.stop();
      }
      assert.deepEqual(await networkLeftovers(tag, [`10.${octet}.10.0/24`, `10.${octet}.11.0/24`]), [], 'the stopped daemon left network objects');
    } finally {
      killContainerLeftovers(path.join(t.dir, 'run'));
      await removeNetworkLeftovers(tag);
      for (const subnet of [`10.${octet}.10.0/24`, `10.${octet}.11.0/24`]) await run('ip', ['route', 'del', 'unreachable', subnet, 'metric', '4242']);
      upstream.close();
      await removeCgroupParent(cgroupParent);
      t.cleanup();
    }
  });

  test('two containers on a user network reach each other by name and by alias; other names go upstream', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await docker(['network', 'create', '--subnet', `10.${octet}.11.0/24`, '--label', 'suite=net', 'appnet']), 'network create');
    const ls = ok(await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']), 'network ls').stdout;
    for (const line of ['bridge bridge', 'host host', 'none null', 'appnet bridge']) assert.match(ls, new RegExp(`^${line}$`, 'm'));
    ok(await docker(['run', '-d', '--name', 'web', '--network', 'appnet', '--network-alias', 'site', '--hostname', 'webhost', IMAGE, ...httpd]), 'run web');
    ok(await docker(['run', '-d', '--name', 'client', '--net', 'appnet', IMAGE, 'sleep', '300']), 'run client');
    await listening('web');
    for (const name of ['web', 'site', 'webhost']) assert.equal(await fetchIn('client', name), PAGE, `by ${name}`);
    const outside = ok(await docker(['exec', 'client', 'nslookup', 'example.test']), 'nslookup outside').stdout;
    assert.match(outside, /Address: 192\.0\.2\.77/);
    assert.ok(upstreamQueries.includes('example.test'));
    const inspect = JSON.parse(ok(await docker(['network', 'inspect', 'appnet']), 'network inspect').stdout) as Array<{ Name: string; IPAM: { Config: Array<{ Subnet: string; Gateway: string }> }; Containers: Record<string, { Name: string; IPv4Address: string }>; Labels: Record<string, string> }>;
    assert.equal(inspect[0]?.Name, 'appnet');
    assert.deepEqual(inspect[0]?.IPAM.Config, [{ Subnet: `10.${octet}.11.0/24`, Gateway: `10.${octet}.11.1` }]);
    assert.deepEqual(inspect[0]?.Labels, { suite: 'net' });
    assert.deepEqual(Object.values(inspect[0]?.Containers ?? {}).map((c) => c.Name).sort(), ['client', 'web']);
    const settings = ok(await docker(['inspect', '--format', '{{json .NetworkSettings.Networks.appnet.Aliases}} {{.NetworkSettings.Networks.appnet.IPAddress}} {{.HostConfig.NetworkMode}}', 'web']), 'inspect web').stdout.trim();
    assert.match(settings, new RegExp(`^\\["site"\\] 10\\.${octet}\\.11\\.\\d+ appnet$`));
    const rm = await docker(['network', 'rm', 'appnet']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /has active endpoints/);
    ok(await docker(['rm', '-f', 'web', 'client']), 'rm');
    ok(await docker(['network', 'rm', 'appnet']), 'network rm');
    const events = ok(await docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}']), 'events').stdout;
    assert.deepEqual(events.trim().split('\n').filter((l) => l.endsWith('appnet')), ['create appnet', 'connect appnet', 'connect appnet', 'disconnect appnet', 'disconnect appnet', 'destroy appnet']);
  });

  test('-p 127.0.0.1:0:80, -p 80 and -P serve the page at the port docker port reports', async () => {
    ok(await docker(['run', '-d', '--name', 'pub', '-p', '127.0.0.1:0:80', IMAGE, ...httpd]), 'run -p');
    await listening('pub');
    const reported = ok(await docker(['port', 'pub', '80']), 'port').stdout.trim();
    const m = /^127\.0\.0\.1:(\d+)$/.exec(reported);
    assert.ok(m, `docker port printed ${reported}`);
    assert.equal(await get(Number(m[1])), PAGE);
    const ports = JSON.parse(ok(await docker(['inspect', '--format', '{{json .NetworkSettings.Ports}}', 'pub']), 'inspect').stdout) as Record<string, Array<{ HostIp: string; HostPort: string }>>;
    assert.deepEqual(ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: m[1] }] });

    ok(await docker(['run', '-d', '--name', 'any', '-p', '80', IMAGE, ...httpd]), 'run -p 80');
    await listening('any');
    const any = ok(await docker(['port', 'any']), 'port any').stdout.trim();
    const anyPort = Number(/^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(any)?.[1]);
    assert.ok(anyPort > 0, any);
    assert.equal(await get(anyPort), PAGE);
    const ps = ok(await docker(['ps', '--filter', 'name=any', '--format', '{{.Ports}}']), 'ps').stdout.trim();
    assert.equal(ps, `0.0.0.0:${anyPort}->80/tcp`);

    ok(await docker(['run', '-d', '--name', 'all', '-P', IMAGE, ...httpd]), 'run -P');
    await listening('all');
    const all = Number(/0\.0\.0\.0:(\d+)/.exec(ok(await docker(['port', 'all', '80/tcp']), 'port all').stdout)?.[1]);
    assert.equal(await get(all), PAGE);
    ok(await docker(['rm', '-f', 'pub', 'any', 'all']), 'rm');
    await assert.rejects(get(all));
  });

  test('--network none has only loopback; host mode sees the host; container:NAME shares the namespace', async () => {
    const none = ok(await docker(['run', '--rm', '--network', 'none', IMAGE, 'ip', '-o', 'link']), 'run none').stdout;
    assert.deepEqual(none.trim().split('\n').map((l) => l.split(':')[1]?.trim()), ['lo']);
    const host = ok(await docker(['run', '--rm', '--network', 'host', IMAGE, 'ip', '-o', 'link']), 'run host').stdout;
    assert.match(host, /eth0/);
    assert.doesNotMatch(host, /^\d+: eth0@/m);
    ok(await docker(['run', '-d', '--name', 'owner', IMAGE, ...httpd]), 'run owner');
    await listening('owner');
    assert.equal(await (async () => {
      const r = ok(await docker(['run', '--rm', '--network', 'container:owner', IMAGE, 'sh', '-c', "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 80"]), 'run container:');
      return r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4);
    })(), PAGE);
    ok(await docker(['rm', '-f', 'owner']), 'rm');
  });

  test('network connect and disconnect on a running container; --dns and --add-host', async () => {
    ok(await docker(['network', 'create', '--subnet', `10.${octet}.11.0/24`, 'side']), 'network create');
    ok(await docker(['run', '-d', '--name', 'srv', '--network', 'side', IMAGE, ...httpd]), 'run srv');
    await listening('srv');
    ok(await docker(['run', '-d', '--name', 'roamer', '--dns', '192.0.2.53', '--add-host', 'db.example:10.9.9.9', IMAGE, 'sleep', '300']), 'run roamer');
    assert.match(ok(await docker(['exec', 'roamer', 'cat', '/etc/resolv.conf']), 'resolv').stdout, /^nameserver 192\.0\.2\.53$/m);
    assert.match(ok(await docker(['exec', 'roamer', 'cat', '/etc/hosts']), 'hosts').stdout, /^10\.9\.9\.9\tdb\.example$/m);
    const srvIp = ok(await docker(['inspect', '--format', '{{.NetworkSettings.Networks.side.IPAddress}}', 'srv']), 'inspect').stdout.trim();
    assert.equal(await fetchIn('roamer', srvIp), '', 'the default bridge is isolated from the side network');
    ok(await docker(['network', 'connect', '--alias', 'wanderer', 'side', 'roamer']), 'connect');
    assert.equal(await fetchIn('roamer', srvIp), PAGE);
    const nets = ok(await docker(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'roamer']), 'inspect').stdout.trim();
    assert.equal(nets, 'bridge side');
    ok(await docker(['network', 'disconnect', 'side', 'roamer']), 'disconnect');
    assert.doesNotMatch(ok(await docker(['exec', 'roamer', 'ip', '-o', 'link']), 'links').stdout, /eth1/);
    ok(await docker(['rm', '-f', 'srv', 'roamer']), 'rm');
    ok(await docker(['network', 'rm', 'side']), 'network rm');
  });

  test('after a SIGKILL of the daemon and a restart, nothing is left of containers that went away', async () => {
    ok(await docker(['run', '-d', '--name', 'stays', '-p', '127.0.0.1:0:80', IMAGE, ...httpd]), 'run stays');
    ok(await docker(['run', '-d', '--name', 'dies', '-p', '127.0.0.1:0:80', IMAGE, ...httpd]), 'run dies');
    await listening('stays');
    const diesPid = Number(ok(await docker(['inspect', '--format', '{{.State.Pid}}', 'dies']), 'pid').stdout.trim());
    const stayPort = Number(/:(\d+)$/.exec(ok(await docker(['port', 'stays', '80']), 'port').stdout.trim())?.[1]);
    const diesPort = Number(/:(\d+)$/.exec(ok(await docker(['port', 'dies', '80']), 'port').stdout.trim())?.[1]);
    const before = await networkLeftovers(tag);
    assert.ok(before.some((l) => l.includes(`--dport ${diesPort}`)));
    daemon?.process.kill('SIGKILL');
    await new Promise((r) => daemon?.process.once('exit', r));
    process.kill(diesPid, 'SIGKILL'); // the container goes away while no daemon watches
    daemon = await start();
    assert.equal(ok(await docker(['inspect', '--format', '{{.State.Status}}', 'dies']), 'inspect').stdout.trim(), 'exited');
    const after = await networkLeftovers(tag);
    assert.ok(!after.some((l) => l.includes(`--dport ${diesPort}`)), 'the dead container\'s rule is gone');
    assert.equal(after.filter((l) => l.startsWith('link veth')).length, 1, `one veth (the running container's): ${after.join('\n')}`);
    assert.equal(await get(stayPort), PAGE, 'the running container is still published');
    ok(await docker(['rm', '-f', 'stays', 'dies']), 'rm');
    const rest = await networkLeftovers(tag);
    assert.ok(!rest.some((l) => l.startsWith('link veth') || l.includes('--dport')), rest.join('\n'));
  });
});
