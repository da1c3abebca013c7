import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePortSpec, parsePortSpecs } from './port-spec.js';

test('-p forms: CONTAINER, HOST:CONTAINER, IP:HOST:CONTAINER, IP::CONTAINER, /udp, [v6], ranges', () => {
  assert.deepEqual(parsePortSpec('80'), [{ key: '80/tcp', hostIp: '', hostPort: '' }]);
  assert.deepEqual(parsePortSpec('8080:80'), [{ key: '80/tcp', hostIp: '', hostPort: '8080' }]);
  assert.deepEqual(parsePortSpec('5353:53/UDP'), [{ key: '53/udp', hostIp: '', hostPort: '5353' }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:8080:80'), [{ key: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080' }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:0:80'), [{ key: '80/tcp', hostIp: '127.0.0.1', hostPort: '0' }]);
  assert.deepEqual(parsePortSpec('127.0.0.1::80'), [{ key: '80/tcp', hostIp: '127.0.0.1', hostPort: '' }]);
  assert.deepEqual(parsePortSpec('[::1]:8080:80'), [{ key: '80/tcp', hostIp: '::1', hostPort: '8080' }]);
  assert.deepEqual(parsePortSpec('8000-8001:80-81'), [
    { key: '80/tcp', hostIp: '', hostPort: '8000' },
    { key: '81/tcp', hostIp: '', hostPort: '8001' },
  ]);
  assert.deepEqual(parsePortSpec('8000-8010:80'), [{ key: '80/tcp', hostIp: '', hostPort: '8000-8010' }]);
});

test('-p refuses bad specs naming the part at fault', () => {
  assert.throws(() => parsePortSpec('http'), /invalid container port in -p "http"/);
  assert.throws(() => parsePortSpec('70000'), /invalid container port/);
  assert.throws(() => parsePortSpec('80/icmp'), /invalid proto in -p "80\/icmp"/);
  assert.throws(() => parsePortSpec('1.2.3:80:80'), /invalid IP address/);
  assert.throws(() => parsePortSpec('x:80'), /invalid host port in -p "x:80"/);
  assert.throws(() => parsePortSpec('8000-8002:80-81'), /ranges differ/);
  assert.throws(() => parsePortSpec('a:b:c:d'), /expected \[IP:\]\[HOST:\]CONTAINER/);
});

test('parsePortSpecs merges bindings per port and adds --expose', () => {
  const specs = parsePortSpecs(['127.0.0.1:8080:80', '8081:80', '53/udp'], ['9000-9001']);
  assert.deepEqual(specs.bindings, {
    '80/tcp': [
      { HostIp: '127.0.0.1', HostPort: '8080' },
      { HostIp: '', HostPort: '8081' },
    ],
    '53/udp': [{ HostIp: '', HostPort: '' }],
  });
  assert.deepEqual(specs.exposed, ['80/tcp', '53/udp', '9000/tcp', '9001/tcp']);
});
