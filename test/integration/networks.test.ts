/*
 * Networks through the engine: busybox containers under runc on bridges this test's
 * engine makes (its own bridge name and subnets), reaching each other by address and
 * name, published ports reached from the host, and no veth, rule, route or bridge left
 * once containers and networks are gone and the engine is closed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { instanceTag, openEngine, type ContainerCreateRequest, type Engine } from '../../src/engine/index.js';
import { mountsUnder } from '../../src/layers/index.js';
import { detectHost } from '../../src/runtime/index.js';
import { execText } from '../helpers/berth.js';
import { networkLeftovers, removeNetworkLeftovers } from '../helpers/leftovers.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const IMAGE = 'berth-test/busybox:net';
const cgroupParent = `/berth-nt-${process.pid}-${randomBytes(3).toString('hex')}`;
const octet = 100 + (process.pid % 100);
const DEFAULT_SUBNET = `10.${octet}.0.0/24`;
const USER_SUBNET = `10.${octet}.1.0/24`;

let dir = '';
let root = '';
let engine: Engine;

before(async () => {
  dir = fs.mkdtempSync('/tmp/bnt-');
  root = path.join(dir, 'root');
  const { rootfs } = await makeBusyboxRootfs(path.join(dir, 'image'));
  for (const applet of ['httpd', 'wget', 'nc', 'ip', 'nslookup', 'hostname', 'mkdir']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.mkdirSync(path.join(rootfs, 'www'));
  fs.writeFileSync(path.join(rootfs, 'www/index.html'), PAGE);
  const tarball = path.join(dir, 'image', 'busybox.tar');
  await execText('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  engine = await openEngine({ root, run: path.join(dir, 'run'), cgroupParent, network: { defaultSubnet: DEFAULT_SUBNET, dns: true, dnsUpstreams: [] } });
  await engine.images.importRootfs(fs.createReadStream(tarball), { reference: IMAGE, changes: ['CMD ["sh"]', 'EXPOSE 80'] });
});

afterEach(async () => {
  for (const c of await engine.containers.list({ all: true })) await engine.containers.remove(c.id, { force: true }).catch(() => undefined);
  for (const n of await engine.networks.list()) if (!['bridge', 'host', 'none'].includes(n.name)) await engine.networks.remove(n.id).catch(() => undefined);
});

after(async () => {
  const tag = instanceTag(root);
  try {
    if (engine !== undefined) {
      for (const c of await engine.containers.list({ all: true }).catch(() => [])) await engine.containers.remove(c.id, { force: true }).catch(() => undefined);
      await engine.close();
    }
    assert.deepEqual(await networkLeftovers(tag, [DEFAULT_SUBNET, USER_SUBNET, `10.${octet}.2.0/24`, `10.${octet}.3.0/24`, `10.${octet}.4.0/24`]), [], 'network objects left by the engine');
    const left = await mountsUnder(dir);
    for (const m of left) await execText('umount', ['-l', m]).catch(() => undefined);
  } finally {
    await removeNetworkLeftovers(tag);
    const host = await detectHost();
    for (const h of host.cgroup.v1) await rmdir(path.join(h.mountpoint, cgroupParent)).catch(() => undefined);
    if (host.cgroup.unifiedMountpoint !== undefined) await rmdir(path.join(host.cgroup.unifiedMountpoint, cgroupParent)).catch(() => undefined);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }
});

const LISTENING_ON_80 = "i=0; until busybox grep -q ':0050 [0-9A-F:]* 0A ' /proc/net/tcp /proc/net/tcp6; do i=$((i+1)); [ $i -gt 400 ] && exit 1; sleep 0.05; done";

async function started(request: Partial<ContainerCreateRequest>): Promise<string> {
  const { id } = await engine.containers.create({ image: IMAGE, cmd: ['sleep', '300'], ...request });
  await engine.containers.start(id);
  // httpd binds its port a moment after the container starts
  if (request.cmd?.[0] === 'httpd') assert.equal((await exec(id, ['sh', '-c', LISTENING_ON_80])).exitCode, 0, 'httpd listens');
  return id;
}

async function exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const execId = await engine.containers.createExec(id, { cmd });
  const session = await engine.containers.startExec(execId);
  let output = '';
  for await (const chunk of session.output) output += chunk.data.toString();
  return { exitCode: await session.exited, output };
}

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

const httpd = ['httpd', '-f', '-p', '80', '-h', '/www'];
const PAGE = 'hello through the bridge\n';

/** GET /index.html from inside a container with busybox nc (this static busybox's wget crashes without NSS libraries). */
async function fetchFrom(id: string, host: string, port = 80, timeoutSeconds = 5): Promise<{ exitCode: number; body: string }> {
  const r = await exec(id, ['sh', '-c', `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w ${timeoutSeconds} ${host} ${port}`]);
  const split = r.output.indexOf('\r\n\r\n');
  return { exitCode: r.exitCode, body: split < 0 ? '' : r.output.slice(split + 4) };
}

test('default bridge: an address from the configured subnet, a default route, outbound interfaces eth0 and lo', async () => {
  const id = await started({});
  const c = await engine.containers.get(id);
  assert.equal(c.networkMode, 'bridge');
  const bridge = c.networks.find((n) => n.networkName === 'bridge');
  assert.ok(bridge?.endpoint, 'endpoint on the default bridge');
  assert.match(bridge.endpoint.ip, new RegExp(`^10\\.${octet}\\.0\\.\\d+$`));
  assert.equal(bridge.endpoint.gateway, `10.${octet}.0.1`);
  const links = await exec(id, ['ip', '-o', 'link']);
  assert.match(links.output, /eth0/);
  const route = await exec(id, ['ip', 'route']);
  assert.match(route.output, new RegExp(`default via 10\\.${octet}\\.0\\.1`));
  const hosts = await exec(id, ['cat', '/etc/hosts']);
  assert.match(hosts.output, new RegExp(`${bridge.endpoint.ip.replace(/\./g, '\\.')}\\t${c.config.hostname}`));
});

test('none: only loopback; host: the host namespace', async () => {
  const none = await started({ networkMode: 'none' });
  const links = await exec(none, ['ip', '-o', 'link']);
  assert.deepEqual(links.output.trim().split('\n').map((l) => l.split(':')[1]?.trim()), ['lo']);
  assert.deepEqual((await engine.containers.get(none)).networks, []);
  const host = await started({ networkMode: 'host' });
  const hostLinks = await exec(host, ['ip', '-o', 'link']);
  assert.match(hostLinks.output, /eth0/);
  assert.match(hostLinks.output, new RegExp(`berth-${instanceTag(root)}`));
});

test('published ports: -p 127.0.0.1:0:80 and -P serve httpd at the reported host ports, also from the container itself (hairpin)', async () => {
  const id = await started({ cmd: httpd, portBindings: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '' }] } });
  const c = await engine.containers.get(id);
  assert.equal(c.ports.length, 1);
  const port = c.ports[0];
  assert.ok(port !== undefined && port.hostPort > 0 && port.hostIp === '127.0.0.1');
  assert.equal(await get(port.hostPort), PAGE);
  const all = await started({ cmd: httpd, publishAllPorts: true });
  const published = (await engine.containers.get(all)).ports;
  assert.deepEqual(published.map((p) => [p.containerPort, p.protocol, p.hostIp]), [[80, 'tcp', '']]);
  const hostPort = published[0]?.hostPort ?? 0;
  assert.equal(await get(hostPort), PAGE);
  const hostAddress = (await execText('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'])).match(/inet (\d+\.\d+\.\d+\.\d+)/)?.[1];
  assert.ok(hostAddress, 'the host has a global IPv4 address');
  assert.equal(await get(hostPort, hostAddress), PAGE);
  assert.equal((await fetchFrom(all, hostAddress, hostPort)).body, PAGE);
  await assert.rejects(engine.containers.create({ image: IMAGE, portBindings: { '80/tcp': [{ hostPort: String(hostPort) }] } }).then((r) => engine.containers.start(r.id)), /already allocated/);
});

test('user network: containers reach each other by name, alias and hostname through the network DNS; disconnect and connect', async () => {
  const net = await engine.networks.create({ name: `bnt${octet}`, subnet: USER_SUBNET });
  const web = await started({ name: `web-${octet}`, cmd: httpd, networkMode: net.name, hostname: 'webhost', networks: { [net.name]: { aliases: ['site'] } } });
  const client = await started({ name: `client-${octet}`, networkMode: net.name });
  for (const name of [`web-${octet}`, 'site', 'webhost']) {
    assert.equal((await fetchFrom(client, name)).body, PAGE, `by ${name}`);
  }
  await engine.containers.rename(web, `renamed-${octet}`);
  assert.equal((await fetchFrom(client, `renamed-${octet}`)).body, PAGE, 'a renamed container answers to its new name');
  const resolv = await exec(client, ['cat', '/etc/resolv.conf']);
  assert.match(resolv.output, new RegExp(`nameserver 10\\.${octet}\\.1\\.1`));
  const info = await engine.networks.get(net.name);
  assert.equal(info.endpoints.length, 2);
  await assert.rejects(engine.networks.remove(net.name), /has active endpoints/);

  // a container on the default bridge cannot reach the user network until connected
  const outsider = await started({});
  const webIp = (await engine.containers.get(web)).networks[0]?.endpoint?.ip ?? '';
  assert.equal((await fetchFrom(outsider, webIp, 80, 2)).body, '');
  await engine.networks.connect(net.name, outsider, { aliases: ['late'] });
  assert.equal((await fetchFrom(outsider, webIp)).body, PAGE);
  assert.match((await exec(outsider, ['ip', '-o', 'link'])).output, /eth1/);
  // a container joining must not change the bridge's MAC under the others (their ARP entry for the DNS server)
  assert.match((await exec(client, ['nslookup', 'late'])).output, /Address: 10\.\d+\.1\.\d+/);
  await engine.networks.disconnect(net.name, outsider);
  assert.doesNotMatch((await exec(outsider, ['ip', '-o', 'link'])).output, /eth1/);
  assert.deepEqual((await engine.containers.get(outsider)).networks.map((n) => n.networkName), ['bridge']);
});

test('container:NAME shares the other container\'s network namespace', async () => {
  const owner = await started({ cmd: httpd });
  const guest = await started({ networkMode: `container:${owner}` });
  assert.equal((await fetchFrom(guest, '127.0.0.1')).body, PAGE);
  const ownerIp = (await engine.containers.get(owner)).networks[0]?.endpoint?.ip ?? '';
  assert.match((await exec(guest, ['ip', '-o', 'addr'])).output, new RegExp(ownerIp.replace(/\./g, '\\.')));
});

test('internal networks have no route out; bad requests are refused naming the field', async () => {
  const internal = await engine.networks.create({ name: `bni${octet}`, subnet: `10.${octet}.2.0/24`, internal: true });
  const id = await started({ networkMode: internal.name });
  assert.doesNotMatch((await exec(id, ['ip', 'route'])).output, /default/);
  await assert.rejects(engine.networks.create({ name: `bnx${octet}`, subnet: `10.${octet}.2.128/25` }), /overlaps/);
  await assert.rejects(engine.networks.create({ name: `bnx${octet}`, subnet: '10.1.2.3/24' }), /host bits/);
  await assert.rejects(engine.containers.create({ image: IMAGE, networkMode: 'nosuchnet' }), /network nosuchnet not found/);
  await assert.rejects(engine.containers.create({ image: IMAGE, portBindings: { '80/xyz': [] } }), /invalid port/);
  await assert.rejects(engine.containers.create({ image: IMAGE, extraHosts: ['nocolon'] }), /--add-host/);
  await assert.rejects(engine.networks.remove('bridge'), /pre-defined/);
  // a bridge name that is an interface berth did not make is refused, and the interface left alone
  const clash = await engine.networks.create({ name: `bnl${octet}`, subnet: `10.${octet}.3.0/24`, options: { 'com.docker.network.bridge.name': 'lo' } });
  const { id: victim } = await engine.containers.create({ image: IMAGE, cmd: ['true'], networkMode: clash.name });
  await assert.rejects(engine.containers.start(victim), /interface lo already exists on this host and is not this berth network's bridge/);
  assert.doesNotMatch(await execText('ip', ['-o', 'addr', 'show', 'dev', 'lo']), new RegExp(`10\\.${octet}\\.3\\.`));
});

test('outbound NAT: a container reaches an outside address as the host (MASQUERADE), through a namespace this test makes', async (t) => {
  // The "outside": a network namespace behind a veth of this test's own, with forwarding
  // enabled on that veth only (the host's ip_forward stays as it is).
  const ns = `bnto-${process.pid}`;
  const hostEnd = `bnto${process.pid % 100000}`;
  const outside = `10.${octet}.9`;
  await execText('ip', ['netns', 'add', ns]);
  t.after(async () => {
    await execText('ip', ['link', 'del', hostEnd]).catch(() => undefined);
    await execText('ip', ['netns', 'del', ns]).catch(() => undefined);
  });
  await execText('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await execText('ip', ['addr', 'add', `${outside}.1/24`, 'dev', hostEnd]);
  await execText('ip', ['link', 'set', hostEnd, 'up']);
  await execText('ip', ['-n', ns, 'addr', 'add', `${outside}.2/24`, 'dev', 'eth0']);
  await execText('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${hostEnd}/forwarding`, '1');
  const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', `require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(7777, '${outside}.2', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => server.kill('SIGKILL'));
  await new Promise<void>((resolve) => server.stdout?.once('data', () => resolve()));
  const id = await started({});
  const seen = await exec(id, ['nc', '-w', '3', `${outside}.2`, '7777']);
  assert.equal(seen.output.trim(), `${outside}.1`, `the outside sees the host's address, not the container's: ${seen.output}`);
  const internal = await engine.networks.create({ name: `bno${octet}`, subnet: `10.${octet}.4.0/24`, internal: true });
  const closed = await started({ networkMode: internal.name, networks: { [internal.name]: { ipv4Address: `10.${octet}.4.77` } } });
  assert.equal((await engine.containers.get(closed)).networks[0]?.endpoint?.ip, `10.${octet}.4.77`);
  assert.notEqual((await exec(closed, ['nc', '-w', '2', `${outside}.2`, '7777'])).output.trim(), `${outside}.1`);
});

test('a subnet berth chose moves when another daemon claimed it meanwhile; an asked-for one is refused', async (t) => {
  const auto = await engine.networks.create({ name: `bna${octet}` });
  const first = auto.subnet ?? '';
  assert.match(first, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  // another daemon's claim on that subnet: a route of this test's own, unless a daemon of
  // another test claimed the subnet in the meantime (which is the same case)
  const ours = await execText('ip', ['route', 'add', 'unreachable', first, 'metric', '4242']).then(
    () => true,
    (err: Error) => (/File exists/.test(err.message) ? false : Promise.reject(err)),
  );
  if (ours) t.after(() => execText('ip', ['route', 'del', 'unreachable', first, 'metric', '4242']).catch(() => undefined));
  const id = await started({ networkMode: auto.name });
  const moved = await engine.networks.get(auto.name);
  assert.notEqual(moved.subnet, first);
  const ip = (await engine.containers.get(id)).networks[0]?.endpoint?.ip ?? '';
  assert.equal(ip.split('.').slice(0, 2).join('.'), (moved.gateway ?? '').split('.').slice(0, 2).join('.'));
  await engine.containers.remove(id, { force: true });
  await engine.networks.remove(auto.name);

  const fixed = await engine.networks.create({ name: `bnf${octet}`, subnet: first });
  const { id: refused } = await engine.containers.create({ image: IMAGE, cmd: ['true'], networkMode: fixed.name });
  await assert.rejects(engine.containers.start(refused), /already claimed on this host/);
});
