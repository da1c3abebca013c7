import fs from 'node:fs';
import { Agent, request } from 'node:https';
import { tempRoot } from '../test/helpers/berth.js';
import { adminCredentials, startClusterServer, type KubeCredentials, type TestClusterServer } from '../test/helpers/cluster.js';
import { etcdMissing, startEtcd, type TestEtcd } from '../test/helpers/etcd.js';

/**
 * `berth server` under load, SQLite against etcd (Debian's, started here): create, get and
 * list throughput and latency with BENCH_OBJECTS pods (10,000 by default), watch delivery
 * latency with one watcher and fanned out to 100, and the server's memory holding them.
 * Goal: p99 ≤ 50 ms for single-object calls (Kubernetes' SLO is 1 s).
 *
 *   node dist/bench/apiserver.js
 */

const objects = Number(process.env['BENCH_OBJECTS'] ?? 10_000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const fanOut = Number(process.env['BENCH_WATCHERS'] ?? 100);
const watchWrites = Number(process.env['BENCH_WATCH_WRITES'] ?? 500);

interface Timed {
  count: number;
  seconds: number;
  latencies: number[];
}

interface Result {
  create: Timed;
  get: Timed;
  list: Timed;
  watch: Timed;
  fanOut: Timed;
  rssMiB: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency + fanOut + 8 });

function call(creds: KubeCredentials, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, creds.url), { method, agent, ca: creds.ca, headers: { Authorization: `Bearer ${creds.token ?? ''}`, ...(payload ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const pod = (i: number): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `pod-${i}`, labels: { app: `app-${i % 20}`, tier: 'bench' } },
  spec: { containers: [{ name: 'app', image: 'registry.local/app:1', ports: [{ containerPort: 8080 }], env: [{ name: 'INDEX', value: String(i) }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

/** Runs `n` calls `concurrency` at a time and times each. */
async function load(n: number, fn: (i: number) => Promise<void>): Promise<Timed> {
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = process.hrtime.bigint();
        await fn(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { count: n, seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies };
}

function expect(status: number, want: number, what: string, text: string): void {
  if (status !== want) throw new Error(`${what}: HTTP ${status}: ${text.slice(0, 300)}`);
}

/** Opens a watch and resolves each write's delivery through `onEvent`. */
function openWatch(creds: KubeCredentials, path: string, onEvent: (name: string, at: bigint) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, creds.url), { agent, ca: creds.ca, headers: { Authorization: `Bearer ${creds.token ?? ''}` } }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
          if (ev.type === 'MODIFIED') onEvent(ev.object.metadata.name, process.hrtime.bigint());
        }
      });
      res.on('error', () => undefined);
      resolve(() => req.destroy());
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

/** Updates one object `writes` times, one at a time, and measures how long each change takes to reach every watcher. */
async function watchLatency(creds: KubeCredentials, watchers: number, writes: number): Promise<Timed> {
  const list = await call(creds, 'GET', '/api/v1/namespaces/default/pods?limit=1');
  const rv = (JSON.parse(list.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const pending = new Map<string, { sent: bigint; left: number; done: () => void }>();
  const latencies: number[] = [];
  const closers = await Promise.all(
    Array.from({ length: watchers }, () =>
      openWatch(creds, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dpod-0`, (name, at) => {
        const p = pending.get(name);
        if (!p) return;
        latencies.push(Number(at - p.sent) / 1e6);
        if (--p.left === 0) p.done();
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  const start = process.hrtime.bigint();
  for (let i = 0; i < writes; i++) {
    const delivered = new Promise<void>((done) => pending.set('pod-0', { sent: process.hrtime.bigint(), left: watchers, done }));
    await patchLabel(creds, i);
    await delivered;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const close of closers) close();
  return { count: writes * watchers, seconds, latencies };
}

function patchLabel(creds: KubeCredentials, i: number): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ metadata: { labels: { round: String(i) } } }));
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/namespaces/default/pods/pod-0', creds.url), { method: 'PATCH', agent, ca: creds.ca, headers: { Authorization: `Bearer ${creds.token ?? ''}`, 'Content-Type': 'application/merge-patch+json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`patch: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function runBackend(label: string, extra: string[]): Promise<Result> {
  const tmp = tempRoot('bbench-');
  let server: TestClusterServer | undefined;
  try {
    server = await startClusterServer(tmp.root, extra);
    const creds = adminCredentials(tmp.root, server.url);
    process.stderr.write(`${label}: creating ${objects} pods…\n`);
    const create = await load(objects, async (i) => {
      const r = await call(creds, 'POST', '/api/v1/namespaces/default/pods', pod(i));
      expect(r.status, 201, 'create', r.text);
    });
    const rss = rssMiB(server.child.pid ?? 0);
    const get = await load(objects, async (i) => {
      const r = await call(creds, 'GET', `/api/v1/namespaces/default/pods/pod-${(i * 7919) % objects}`);
      expect(r.status, 200, 'get', r.text);
    });
    const listLatencies: number[] = [];
    const listStart = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const r = await call(creds, 'GET', '/api/v1/namespaces/default/pods');
      expect(r.status, 200, 'list', r.text);
      listLatencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const list: Timed = { count: 5 * objects, seconds: Number(process.hrtime.bigint() - listStart) / 1e9, latencies: listLatencies };
    process.stderr.write(`${label}: watch latency…\n`);
    const watch = await watchLatency(creds, 1, watchWrites);
    const fan = await watchLatency(creds, fanOut, Math.max(20, Math.floor(watchWrites / 10)));
    return { create, get, list, watch, fanOut: fan, rssMiB: rss };
  } finally {
    await server?.stop();
    tmp.cleanup();
  }
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

function print(results: Record<string, Result>, anchor: string): void {
  const names = Object.keys(results);
  const rows: [string, (r: Result) => Timed, string][] = [
    ['create pod', (r) => r.create, 'req/s'],
    ['get pod', (r) => r.get, 'req/s'],
    [`list ${objects} pods`, (r) => r.list, 'objects/s'],
    ['watch: write → event (1 watcher)', (r) => r.watch, 'events/s'],
    [`watch fan-out (${fanOut} watchers)`, (r) => r.fanOut, 'events/s'],
  ];
  console.log(`\nberth server, ${objects} pods, ${concurrency} concurrent clients (p99 goal ≤ 50 ms for single objects; ratio against ${anchor})`);
  for (const [title, pick, unit] of rows) {
    console.log(`  ${title}`);
    for (const name of names) {
      const t = pick(results[name] as Result);
      const base = pick(results[anchor] as Result);
      const rate = t.count / t.seconds;
      const p99 = percentile(t.latencies, 99);
      const ratio = name === anchor ? '' : `  ${(rate / (base.count / base.seconds)).toFixed(2)}× throughput, ${(p99 / percentile(base.latencies, 99)).toFixed(2)}× p99 of ${anchor}`;
      console.log(`    ${name.padEnd(8)} ${rate.toFixed(0).padStart(8)} ${unit.padEnd(10)} p50 ${percentile(t.latencies, 50).toFixed(1).padStart(7)} ms  p99 ${p99.toFixed(1).padStart(7)} ms${ratio}`);
    }
  }
  console.log(`  server RSS holding ${objects} pods`);
  for (const name of names) console.log(`    ${name.padEnd(8)} ${(results[name] as Result).rssMiB.toFixed(0).padStart(8)} MiB`);
}

const results: Record<string, Result> = {};
results['sqlite'] = await runBackend('sqlite', []);
if (etcdMissing) {
  console.log(`etcd: skipped (${etcdMissing})`);
  print(results, 'sqlite');
} else {
  let etcd: TestEtcd | undefined;
  try {
    etcd = await startEtcd();
    results['etcd'] = await runBackend('etcd', ['--datastore', `etcd://${etcd.hostPort}`]);
  } finally {
    await etcd?.stop();
  }
  print(results, 'etcd');
}
agent.destroy();
