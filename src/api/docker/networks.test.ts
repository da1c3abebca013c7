import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerRecord, NetworkInfo } from '../../engine/index.js';
import { parseCreateRequest } from './container-create.js';
import { filterContainers } from './container-list.js';
import { networkSettingsShape, networkShape, portMap, portSummary } from './network-shapes.js';
import { filterNetworks } from './networks.js';

const record = (over: Partial<ContainerRecord>): ContainerRecord =>
  ({
    id: 'c'.repeat(64),
    name: 'web',
    state: { status: 'running', pid: 42, exitCode: 0, error: '', oomKilled: false },
    config: { exposedPorts: ['80/tcp', '443/tcp'] },
    networkMode: 'bridge',
    networks: [
      {
        networkId: 'n'.repeat(64),
        networkName: 'bridge',
        aliases: [],
        endpoint: { endpointId: 'e'.repeat(64), ip: '172.17.0.2', prefixLength: 16, gateway: '172.17.0.1', mac: '02:42:ac:11:00:02' },
      },
    ],
    ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: 32768 }],
    ...over,
  }) as ContainerRecord;

test('NetworkSettings: the default bridge fills the top-level fields; Ports as Docker maps them; Networks never null', () => {
  const s = networkSettingsShape(record({})) as Record<string, unknown>;
  assert.equal(s['IPAddress'], '172.17.0.2');
  assert.equal(s['Gateway'], '172.17.0.1');
  assert.equal(s['MacAddress'], '02:42:ac:11:00:02');
  assert.equal(s['IPPrefixLen'], 16);
  assert.deepEqual(s['Ports'], { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '443/tcp': null });
  const bridge = (s['Networks'] as Record<string, Record<string, unknown>>)['bridge'];
  assert.equal(bridge?.['NetworkID'], 'n'.repeat(64));
  assert.equal(bridge?.['IPAddress'], '172.17.0.2');
  assert.equal(bridge?.['DNSNames'], null);

  const user = networkSettingsShape(record({ networkMode: 'app', networks: [{ networkId: 'a', networkName: 'app', aliases: ['site'], endpoint: { endpointId: 'e', ip: '10.1.0.2', prefixLength: 24, gateway: '10.1.0.1', mac: 'm' } }] })) as Record<string, unknown>;
  assert.equal(user['IPAddress'], '', 'top-level fields are the default bridge\'s only');
  const app = (user['Networks'] as Record<string, Record<string, unknown>>)['app'];
  assert.deepEqual(app?.['Aliases'], ['site']);
  assert.deepEqual(app?.['DNSNames'], ['web', 'site', 'cccccccccccc']);

  const stopped = networkSettingsShape(record({ state: { status: 'exited', pid: 0, exitCode: 0, error: '', oomKilled: false }, ports: [] })) as Record<string, unknown>;
  assert.deepEqual(stopped['Ports'], {});
  const none = networkSettingsShape(record({ networkMode: 'none', networks: [], ports: [] }), { none: 'z' }) as Record<string, unknown>;
  assert.deepEqual(Object.keys(none['Networks'] as object), ['none']);
  assert.deepEqual(portMap(record({ networkMode: 'host' })), {});
});

test('the list summary\'s Ports: published ones with their host port, exposed ones without', () => {
  assert.deepEqual(portSummary(record({})), [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 32768, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }]);
});

const info = (name: string, over: Partial<NetworkInfo> = {}): NetworkInfo => ({
  id: `${name}${'0'.repeat(60)}`,
  name,
  driver: 'bridge',
  created: new Date('2026-01-02T03:04:05Z'),
  builtin: false,
  internal: false,
  attachable: false,
  labels: {},
  options: {},
  subnet: '10.1.0.0/24',
  gateway: '10.1.0.1',
  bridge: 'br-x',
  endpoints: [],
  ...over,
});

test('network shape: moby\'s fields, Containers only in inspect', () => {
  const n = info('app', {
    labels: { a: 'b' },
    endpoints: [{ endpointId: 'e', containerId: 'c1', containerName: 'web', networkId: 'n', networkName: 'app', ip: '10.1.0.2', prefixLength: 24, gateway: '10.1.0.1', mac: 'm', hostVeth: 'v', ifName: 'eth0', aliases: [], dnsNames: [], ports: [] }],
  });
  const shape = networkShape(n, true) as Record<string, unknown>;
  assert.equal(shape['Created'], '2026-01-02T03:04:05Z');
  assert.equal(shape['Scope'], 'local');
  assert.deepEqual(shape['IPAM'], { Driver: 'default', Options: {}, Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' }] });
  assert.deepEqual(shape['Containers'], { c1: { Name: 'web', EndpointID: 'e', MacAddress: 'm', IPv4Address: '10.1.0.2/24', IPv6Address: '' } });
  assert.deepEqual((networkShape(n, false) as Record<string, unknown>)['Containers'], {});
});

test('network list filters: name, driver, type, label, dangling; unknown filters refused', () => {
  const all = [info('bridge', { builtin: true }), info('app', { labels: { team: 'a' } }), info('host', { builtin: true, driver: 'host' })];
  const names = (f: Record<string, string[]>): string[] => filterNetworks(all, new Map(Object.entries(f))).map((n) => n.name);
  assert.deepEqual(names({ name: ['ap'] }), ['app']);
  assert.deepEqual(names({ driver: ['host'] }), ['host']);
  assert.deepEqual(names({ type: ['custom'] }), ['app']);
  assert.deepEqual(names({ label: ['team=a'] }), ['app']);
  assert.deepEqual(names({ dangling: ['true'] }), ['app']);
  assert.throws(() => names({ color: ['red'] }), /invalid filter 'color'/);
});

test('create body: PortBindings, PublishAllPorts, ExposedPorts, Dns, ExtraHosts, NetworkingConfig ("default" is the mode\'s network)', () => {
  const r = parseCreateRequest(
    {
      Image: 'x',
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { NetworkMode: 'default', PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, PublishAllPorts: true, Dns: ['192.0.2.53'], ExtraHosts: ['db:10.0.0.9'] },
      NetworkingConfig: { EndpointsConfig: { default: { Aliases: null, IPAMConfig: null } } },
    },
    null,
  );
  assert.equal(r.networkMode, undefined);
  assert.deepEqual(r.portBindings, { '80/tcp': [{ hostIp: '127.0.0.1' }] });
  assert.equal(r.publishAllPorts, true);
  assert.deepEqual(r.exposedPorts, ['80/tcp']);
  assert.deepEqual(r.dns, ['192.0.2.53']);
  assert.deepEqual(r.extraHosts, ['db:10.0.0.9']);
  assert.deepEqual(r.networks, { bridge: {} });
  const user = parseCreateRequest({ Image: 'x', HostConfig: { NetworkMode: 'app' }, NetworkingConfig: { EndpointsConfig: { app: { Aliases: ['site'], IPAMConfig: { IPv4Address: '10.1.0.9' } } } } }, null);
  assert.deepEqual(user.networks, { app: { aliases: ['site'], ipv4Address: '10.1.0.9' } });
  assert.throws(() => parseCreateRequest({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': 'nope' } } }, null), /HostConfig\.PortBindings\.80\/tcp: expected an array/);
});

test('container list filters network, publish and expose, as docker ps --filter', () => {
  const web = record({ id: 'a'.repeat(64), name: 'web' });
  const other = record({ id: 'b'.repeat(64), name: 'other', networkMode: 'none', networks: [], ports: [], config: { exposedPorts: ['8080/tcp'] } as ContainerRecord['config'] });
  const names = (f: Record<string, string[]>): string[] => filterContainers([web, other], new Map(Object.entries(f))).map((r) => r.name);
  assert.deepEqual(names({ network: ['bridge'] }), ['web']);
  assert.deepEqual(names({ network: ['nnnn'] }), ['web']);
  assert.deepEqual(names({ network: ['none'] }), ['other']);
  assert.deepEqual(names({ publish: ['80'] }), ['web']);
  assert.deepEqual(names({ publish: ['80/udp'] }), []);
  assert.deepEqual(names({ expose: ['8080'] }), ['other']);
});
