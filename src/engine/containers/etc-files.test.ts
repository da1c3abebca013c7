import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHosts, buildResolvConf, containerResolvConf, extraHostLines } from './etc-files.js';
import { normalizeName, generateName } from './names.js';

test('resolv.conf drops loopback nameservers in a private netns', () => {
  assert.equal(containerResolvConf('nameserver 127.0.0.53\nsearch x\n', false), 'search x\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.equal(containerResolvConf('nameserver 10.0.0.1\n', false), 'nameserver 10.0.0.1\n');
  assert.equal(containerResolvConf('nameserver 127.0.0.53\n', true), 'nameserver 127.0.0.53\n');
});

test('names: Docker rule, leading slash dropped, generated names unique', () => {
  assert.equal(normalizeName('/web-1'), 'web-1');
  assert.throws(() => normalizeName('a'), /Invalid container name/);
  assert.throws(() => normalizeName('-x'), /Invalid container name/);
  const taken = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const n = generateName((x) => taken.has(x));
    assert.match(n, /^[a-z]+_[a-z]+\d?$/);
    taken.add(n);
  }
});

test('resolv.conf by Docker rules: --dns/--dns-search/--dns-option replace the host\'s; embedded DNS is the only nameserver with ndots:0', () => {
  const host = 'nameserver 10.0.0.1\nsearch corp.example\noptions edns0\n';
  assert.equal(buildResolvConf(host, false), host);
  assert.equal(buildResolvConf(host, false, { dns: ['192.0.2.53'] }), 'nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n');
  assert.equal(buildResolvConf(host, false, { dnsSearch: ['a.test', 'b.test'], dnsOptions: ['timeout:1'] }), 'nameserver 10.0.0.1\nsearch a.test b.test\noptions timeout:1\n');
  assert.equal(buildResolvConf(host, false, { embeddedNameserver: '172.18.0.1' }), 'nameserver 172.18.0.1\nsearch corp.example\noptions ndots:0 edns0\n');
  assert.equal(buildResolvConf(host, false, { embeddedNameserver: '172.18.0.1', dnsSearch: ['.'] }), 'nameserver 172.18.0.1\noptions ndots:0 edns0\n');
});

test('/etc/hosts: localhost entries, --add-host lines (host-gateway), then the container\'s own addresses', () => {
  const extra = extraHostLines(['db:10.1.2.3', 'gw:host-gateway', 'v6=[::1]'], '172.17.0.1');
  assert.deepEqual(extra, ['10.1.2.3\tdb', '172.17.0.1\tgw', '::1\tv6']);
  assert.equal(buildHosts('127.0.0.1\tlocalhost\n', extra.slice(0, 1), [{ ip: '172.17.0.2', names: ['abc123'] }]), '127.0.0.1\tlocalhost\n10.1.2.3\tdb\n172.17.0.2\tabc123\n');
  assert.throws(() => extraHostLines(['nocolon'], undefined), /invalid --add-host "nocolon"/);
  assert.throws(() => extraHostLines(['db:not-an-ip'], undefined), /invalid IP address "not-an-ip"/);
  assert.throws(() => extraHostLines(['gw:host-gateway'], undefined), /no host gateway/);
});
