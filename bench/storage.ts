import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEtcdStore, openSqliteStore, type Store } from '../src/cluster/storage/index.js';
import { etcdMissing, startEtcd } from '../test/helpers/etcd.js';

/**
 * The cluster store alone, without the API server in front: BENCH_WRITES creates and then
 * as many updates with a revision precondition, from BENCH_CONCURRENCY writers at once,
 * SQLite against etcd (Debian's, started here). Per backend: writes/s, p50 and p99 latency,
 * and how busy the caller's event loop was (what the API server would have left for
 * requests). Both backends acknowledge a write only once it is fsynced.
 *
 *   node dist/bench/storage.js
 */

const writes = Number(process.env['BENCH_WRITES'] ?? 10_000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);

interface Phase {
  perSecond: number;
  p50: number;
  p99: number;
  busy: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function phase(fn: (i: number) => Promise<void>): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < writes; i = next++) {
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const busy = performance.eventLoopUtilization(elu).utilization;
  latencies.sort((a, b) => a - b);
  return { perSecond: writes / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), busy };
}

async function run(store: Store, prefix: string): Promise<{ create: Phase; update: Phase }> {
  const value = (i: number, round: number): Buffer => Buffer.from(JSON.stringify({ kind: 'Pod', name: `pod-${i}`, round, pad: 'x'.repeat(800) }));
  const revisions = new Array<number>(writes);
  const create = await phase(async (i) => {
    revisions[i] = await store.create(`${prefix}${i}`, value(i, 0));
  });
  const update = await phase(async (i) => {
    revisions[i] = await store.update(`${prefix}${i}`, value(i, 1), revisions[i]);
  });
  return { create, update };
}

const results: Record<string, { create: Phase; update: Phase }> = {};
const dir = await mkdtemp(join(tmpdir(), 'bstore-'));
try {
  const sqlite = await openSqliteStore({ path: join(dir, 'state.db'), compaction: false });
  try {
    results['sqlite'] = await run(sqlite, '/bench/pods/');
  } finally {
    await sqlite.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
if (etcdMissing) console.log(`etcd: skipped (${etcdMissing})`);
else {
  const etcd = await startEtcd();
  try {
    const store = await openEtcdStore({ endpoints: [`http://${etcd.hostPort}`] });
    try {
      results['etcd'] = await run(store, '/bench/pods/');
    } finally {
      await store.close();
    }
  } finally {
    await etcd.stop();
  }
}

const anchor = results['etcd'] ? 'etcd' : 'sqlite';
console.log(`\ncluster store, ${writes} writes, ${concurrency} concurrent writers (ratio against ${anchor})`);
for (const kind of ['create', 'update'] as const) {
  console.log(`  ${kind} (${kind === 'update' ? 'with revision precondition' : 'if absent'})`);
  for (const [name, r] of Object.entries(results)) {
    const t = r[kind];
    const base = (results[anchor] as { create: Phase; update: Phase })[kind];
    const ratio = name === anchor ? '' : `  ${(t.perSecond / base.perSecond).toFixed(2)}× throughput, ${(t.p99 / base.p99).toFixed(2)}× p99 of ${anchor}`;
    console.log(`    ${name.padEnd(8)} ${t.perSecond.toFixed(0).padStart(7)} writes/s  p50 ${t.p50.toFixed(1).padStart(6)} ms  p99 ${t.p99.toFixed(1).padStart(6)} ms  event loop busy ${(t.busy * 100).toFixed(0).padStart(3)}%${ratio}`);
  }
}
