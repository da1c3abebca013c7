import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainsFor, renderRuleset } from './firewall.js';

test('renderRuleset: DNAT per published port, hairpin and outbound MASQUERADE, isolation between bridges, internal networks closed', () => {
  const text = renderRuleset(chainsFor('abc123'), {
    networks: [
      { bridge: 'br-a', subnet: '10.1.0.0/24', internal: false },
      { bridge: 'br-i', subnet: '10.2.0.0/24', internal: true },
    ],
    ports: [
      { bridge: 'br-a', containerIp: '10.1.0.2', protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 32768 },
      { bridge: 'br-a', containerIp: '10.1.0.2', protocol: 'udp', containerPort: 53, hostIp: '', hostPort: 5353 },
    ],
  });
  const lines = text.split('\n');
  assert.ok(lines.includes(':BERTH-abc123-DNAT - [0:0]'), 'chains are declared (so restore flushes them)');
  assert.ok(lines.includes('-A BERTH-abc123-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 32768 -j DNAT --to-destination 10.1.0.2:80'));
  assert.ok(lines.includes('-A BERTH-abc123-DNAT -p udp -m udp --dport 5353 -j DNAT --to-destination 10.1.0.2:53'));
  assert.ok(lines.includes('-A BERTH-abc123-POST -s 10.1.0.0/24 ! -o br-a -j MASQUERADE'));
  assert.ok(!lines.includes('-A BERTH-abc123-POST -s 10.2.0.0/24 ! -o br-i -j MASQUERADE'), 'no NAT out of an internal network');
  assert.ok(lines.includes('-A BERTH-abc123-POST -s 10.1.0.2/32 -d 10.1.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE'));
  assert.ok(lines.includes('-A BERTH-abc123-FWD -i br-a -o br-i -j DROP'));
  assert.ok(lines.includes('-A BERTH-abc123-FWD -i br-i -j DROP'));
  assert.ok(lines.includes('-A BERTH-abc123-FWD -d 10.1.0.2/32 -o br-a -p tcp -m tcp --dport 80 -j ACCEPT'));
  assert.equal(lines.filter((l) => l === 'COMMIT').length, 2);
});
