import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readStats } from './stats.js';
import { parseFlatKeyed, parseProcStat, parseValue } from './stats-parse.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'berth-stats-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(sub: string, files: Record<string, string>): Promise<string> {
  const d = path.join(dir, sub);
  await mkdir(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
  return d;
}

test('parsers: flat-keyed files, max, /proc/stat', () => {
  assert.deepEqual(parseFlatKeyed('usage_usec 1500\nuser_usec 1000\nbogus\n bad x\n'), { usage_usec: 1500, user_usec: 1000 });
  assert.equal(parseValue('max\n'), undefined);
  assert.equal(parseValue('42\n'), 42);
  assert.equal(parseValue(undefined), undefined);
  const stat = 'cpu  100 0 50 800 10 0 5 7 0 0\ncpu0 50 0 25 400 5 0 2 3 0 0\ncpu1 50 0 25 400 5 0 3 4 0 0\nintr 1 2 3\n';
  // user+nice+system+idle+iowait+irq+softirq = 965 ticks = 9.65 s; steal is not counted
  assert.deepEqual(parseProcStat(stat), { systemCpuNs: 9_650_000_000, onlineCpus: 2 });
});

test('cgroup v2 files', async () => {
  const d = await fixture('v2', {
    'cpu.stat': 'usage_usec 250000\nuser_usec 200000\nsystem_usec 50000\n',
    'memory.current': '10485760\n',
    'memory.max': '67108864\n',
    'memory.stat': 'anon 4096000\nfile 6000000\ninactive_file 2000000\nactive_file 4000000\n',
    'pids.current': '3\n',
    'pids.max': 'max\n',
  });
  const s = await readStats({ cgroupPaths: { version: 2, dir: d } });
  assert.equal(s.cgroupVersion, 2);
  assert.equal(s.cpuTotalNs, 250_000_000);
  assert.equal(s.memoryUsage, 10_485_760);
  assert.equal(s.memoryLimit, Math.min(67_108_864, totalmem()));
  assert.equal(s.memoryCache, 2_000_000);
  assert.equal(s.memoryStat.anon, 4_096_000);
  assert.equal(s.pids, 3);
  assert.equal(s.pidsLimit, 0, 'max means unlimited');
  assert.ok(s.systemCpuNs > 0, 'host CPU time from /proc/stat');
  assert.ok(s.onlineCpus >= 1);
});

test('cgroup v2 without a memory limit: the host memory', async () => {
  const d = await fixture('v2-unlimited', { 'memory.current': '1\n', 'memory.max': 'max\n', 'pids.max': '64\n' });
  const s = await readStats({ cgroupPaths: { version: 2, dir: d } });
  assert.equal(s.memoryLimit, totalmem());
  assert.equal(s.pidsLimit, 64);
  assert.equal(s.cpuTotalNs, 0, 'missing cpu.stat reads as 0');
});

test('cgroup v1 files, one directory per controller', async () => {
  const cpuacct = await fixture('v1/cpuacct', { 'cpuacct.usage': '123456789\n' });
  const memory = await fixture('v1/memory', {
    'memory.usage_in_bytes': '8192000\n',
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.stat': 'cache 4096\nrss 8000000\ntotal_inactive_file 1024\ntotal_cache 4096\n',
  });
  const pids = await fixture('v1/pids', { 'pids.current': '2\n', 'pids.max': '100\n' });
  const s = await readStats({ cgroupPaths: { version: 1, controllers: { cpuacct, memory, pids } } });
  assert.equal(s.cgroupVersion, 1);
  assert.equal(s.cpuTotalNs, 123_456_789);
  assert.equal(s.memoryUsage, 8_192_000);
  assert.equal(s.memoryLimit, totalmem(), 'the v1 "no limit" value becomes the host memory');
  assert.equal(s.memoryCache, 1024);
  assert.equal(s.memoryStat.rss, 8_000_000);
  assert.equal(s.pids, 2);
  assert.equal(s.pidsLimit, 100);
});
