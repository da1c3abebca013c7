import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notFound } from '../../lib/index.js';
import type { NetworkRecord } from '../../network/index.js';
import { parseNetworkMode, portBindings, resolveNetworks } from './networking.js';
import type { ContainerConfig, ContainerCreateRequest } from './types.js';

const config = { exposedPorts: ['80/tcp', '53/udp'] } as ContainerConfig;
const network = (name: string, driver: NetworkRecord['driver'], builtin: boolean): NetworkRecord => ({
  id: `${name}-id`,
  name,
  driver,
  builtin,
  created: new Date(0),
  internal: false,
  attachable: false,
  labels: {},
  options: {},
});
const nets = [network('bridge', 'bridge', true), network('host', 'host', true), network('none', 'null', true), network('app', 'bridge', false), network('db', 'bridge', false)];
const registry = {
  get: (key: string): NetworkRecord => {
    const n = nets.find((x) => x.name === key || x.id === key);
    if (!n) throw notFound(`network ${key} not found`);
    return n;
  },
};
const resolve = (request: Partial<ContainerCreateRequest>, exists = true): ReturnType<typeof resolveNetworks> =>
  resolveNetworks({ image: 'x', ...request }, config, registry, () => exists);

test('network modes: default and bridge, host, none, container:NAME, a network name', () => {
  assert.deepEqual(parseNetworkMode(undefined), { kind: 'networks', primary: 'bridge' });
  assert.deepEqual(parseNetworkMode('default'), { kind: 'networks', primary: 'bridge' });
  assert.deepEqual(parseNetworkMode('host'), { kind: 'host' });
  assert.deepEqual(parseNetworkMode('container:web'), { kind: 'container', target: 'web' });
  assert.deepEqual(parseNetworkMode('app'), { kind: 'networks', primary: 'app' });
  assert.throws(() => parseNetworkMode('container:'), /a container name or ID is required/);
});

test('port bindings: explicit ones, and with -P every other exposed port on a free host port', () => {
  assert.deepEqual(portBindings({ image: 'x', portBindings: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '8080' }], '9000/udp': [] } }, config), [
    { protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 },
    { protocol: 'udp', containerPort: 9000, hostIp: '', hostPort: 0 },
  ]);
  assert.deepEqual(portBindings({ image: 'x', publishAllPorts: true, portBindings: { '80/tcp': [{ hostPort: '8080' }] } }, config), [
    { protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 },
    { protocol: 'udp', containerPort: 53, hostIp: '', hostPort: 0 },
  ]);
  assert.throws(() => portBindings({ image: 'x', portBindings: { '80/tcp': [{ hostPort: '8000-8010' }] } }, config), /ranges are not supported/);
  assert.throws(() => portBindings({ image: 'x', portBindings: { '0/tcp': [] } }, config), /invalid port "0\/tcp"/);
});

test('resolveNetworks: the mode\'s network first, by name; extra networks; refusals name the conflict', () => {
  assert.deepEqual(resolve({}), { bridge: {} });
  assert.deepEqual(resolve({ networkMode: 'app-id', networks: { app: { aliases: ['a'] }, db: {} } }), { app: { aliases: ['a'] }, db: {} });
  assert.deepEqual(resolve({ networkMode: 'host' }), {});
  assert.deepEqual(resolve({ networkMode: 'none' }), {});
  assert.throws(() => resolve({ networkMode: 'nosuch' }), /network nosuch not found/);
  assert.throws(() => resolve({ networks: { bridge: { aliases: ['x'] } } }), /alias is supported only for containers in user defined networks/);
  assert.throws(() => resolve({ networks: { bridge: { ipv4Address: '172.17.0.9' } } }), /user specified IP address/);
  assert.throws(() => resolve({ networkMode: 'container:web' }, false), /No such container: web/);
  assert.throws(() => resolve({ networkMode: 'container:web', portBindings: { '80/tcp': [] } }), /port publishing and the container type network mode/);
  assert.throws(() => resolve({ networkMode: 'container:web', hostname: 'h' }), /hostname and the network mode/);
  assert.throws(() => resolve({ networkMode: 'host', networks: { app: {} } }), /cannot be connected to any other network/);
  assert.throws(() => resolve({ dns: ['not an ip'] }), /invalid --dns/);
});
