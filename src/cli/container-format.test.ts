import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, cpuPercent, decimalSize, ellipsis, formatCommand, formatEventTime, formatNames, formatPorts, formatStatus, humanDuration, runningFor, statsRow } from './container-format.js';

test('COMMAND is ellipsized to 20 characters, then quoted', () => {
  assert.equal(formatCommand('sh'), '"sh"');
  assert.equal(formatCommand('sh -c "sleep 1000; echo done"'), '"sh -c \\"sleep 1000; …"');
  assert.equal([...JSON.parse(formatCommand('x'.repeat(40))) as string].length, 20);
  assert.equal(formatCommand('x'.repeat(40), false), `"${'x'.repeat(40)}"`);
  assert.equal(ellipsis('abcdef', 6), 'abcdef');
  assert.equal(ellipsis('abcdefg', 6), 'abcde…');
});

test('STATUS comes from the daemon; a state stands in when it sends none', () => {
  assert.equal(formatStatus({ Status: 'Exited (0) 3 seconds ago', State: 'exited' }), 'Exited (0) 3 seconds ago');
  assert.equal(formatStatus({ State: 'created' }), 'Created');
  assert.equal(formatStatus({}), '');
});

test('CREATED follows Go units.HumanDuration', () => {
  const cases: Array<[number, string]> = [
    [500, 'Less than a second'],
    [1000, '1 second'],
    [45_000, '45 seconds'],
    [61_000, 'About a minute'],
    [5 * 60_000, '5 minutes'],
    [3_600_000, 'About an hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks'],
    [90 * 86_400_000, '3 months'],
    [800 * 86_400_000, '2 years'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text);
  assert.equal(runningFor(1000, 1000 * 1000 + 120_000), '2 minutes ago');
});

test('NAMES and PORTS', () => {
  assert.equal(formatNames(['/web', '/other/link']), 'web');
  assert.equal(formatNames(['/other/link', '/web']), 'web');
  assert.equal(formatNames(['/web', '/other/link'], false), 'web,other/link');
  assert.equal(formatNames(null), '');
  assert.equal(
    formatPorts([
      { PrivatePort: 80, PublicPort: 8080, IP: '0.0.0.0', Type: 'tcp' },
      { PrivatePort: 9000, Type: 'tcp' },
      { PrivatePort: 9001, Type: 'tcp' },
      { PrivatePort: 9002, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
      { PrivatePort: 443, PublicPort: 443, IP: '::', Type: 'tcp' },
    ]),
    '53/udp, [::]:443->443/tcp, 9000-9002/tcp, 0.0.0.0:8080->80/tcp',
  );
  assert.equal(formatPorts([]), '');
});

test('stats figures: CPU % from the two samples, memory without cache, docker units', () => {
  const stats = {
    id: 'f'.repeat(64),
    name: '/web',
    cpu_stats: { cpu_usage: { total_usage: 400_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 4 },
    precpu_stats: { cpu_usage: { total_usage: 200_000_000 }, system_cpu_usage: 18_000_000_000 },
    memory_stats: { usage: 12 * 1024 * 1024, limit: 64 * 1024 * 1024, stats: { total_inactive_file: 4 * 1024 * 1024 } },
    pids_stats: { current: 3 },
    networks: { eth0: { rx_bytes: 1234, tx_bytes: 0 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 2_000_000 }, { op: 'Write', value: 1500 }] },
  };
  assert.equal(cpuPercent(stats), 40);
  assert.deepEqual(statsRow('x', stats), {
    ID: 'ffffffffffff',
    Name: 'web',
    CPUPerc: '40.00%',
    MemUsage: '8MiB / 64MiB',
    MemPerc: '12.50%',
    NetIO: '1.23kB / 0B',
    BlockIO: '2MB / 1.5kB',
    PIDs: '3',
  });
  assert.equal(cpuPercent({}), 0);
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(decimalSize(999), '999B');
});

test('event times are RFC 3339 with nine fraction digits', () => {
  assert.match(formatEventTime(1_700_000_000_123_456_789n), /^2023-11-1\dT\d\d:\d\d:20\.123456789(Z|[+-]\d\d:\d\d)$/);
});
