import type { ContainerRecord, ContainerService, StatsSample } from '../../engine/index.js';
import { goTime, ZERO_TIME } from './docker-time.js';
import type { Router } from './http.js';
import { queryFlag, sendJson } from './http.js';
import { closedPromise, delay, writeChunk } from './streaming.js';

/** `docker stats` and `docker top`: the engine's samples in Docker's stats JSON. */

export interface StatsOptions {
  /** Between two streamed samples, and between the two a non-streamed answer takes. */
  intervalMs?: number;
}

function cpuStats(sample: StatsSample | undefined): object {
  return {
    cpu_usage: { total_usage: sample?.cpuTotalNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: sample?.systemCpuNs ?? 0,
    online_cpus: sample?.onlineCpus ?? 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** One stats document; `previous` fills precpu so that clients can compute a CPU %. */
export function statsShape(record: ContainerRecord, sample: StatsSample | undefined, previous?: StatsSample): object {
  return {
    name: `/${record.name}`,
    id: record.id,
    read: sample ? goTime(sample.read) : ZERO_TIME,
    preread: previous ? goTime(previous.read) : ZERO_TIME,
    pids_stats: sample ? { current: sample.pids, ...(sample.pidsLimit > 0 ? { limit: sample.pidsLimit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(sample),
    precpu_stats: cpuStats(previous),
    memory_stats: sample
      ? { usage: sample.memoryUsage, limit: sample.memoryLimit, stats: { cache: sample.memoryCache } }
      : {},
  };
}

export function containerStatsRoutes(router: Router, containers: ContainerService, options: StatsOptions = {}): void {
  const intervalMs = options.intervalMs ?? 1000;

  router.add('GET', /^\/containers\/([^/]+)\/stats$/, async ({ res, params, query }) => {
    const record = await containers.get(params[0] ?? '');
    const stream = query.get('stream') === null || queryFlag(query, 'stream');
    const oneShot = queryFlag(query, 'one-shot');
    // A container that is not running has no cgroup to read: Docker answers zeros.
    const sample = (): Promise<StatsSample | undefined> =>
      record.state.status === 'running' || record.state.status === 'paused'
        ? containers.stats(record.id).catch(() => undefined)
        : Promise.resolve(undefined);

    if (!stream) {
      let previous: StatsSample | undefined;
      let current = await sample();
      if (!oneShot && current) {
        previous = current;
        await delay(intervalMs);
        current = await sample();
      }
      sendJson(res, 200, statsShape(record, current, current ? previous : undefined));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const closed = closedPromise(res);
    let gone = false;
    void closed.then(() => (gone = true));
    let previous: StatsSample | undefined;
    while (!gone) {
      const current = await sample();
      await writeChunk(res, JSON.stringify(statsShape(record, current, previous)) + '\n');
      if (!current) break;
      previous = current;
      await Promise.race([delay(intervalMs), closed]);
    }
    res.end();
  });

  router.add('GET', /^\/containers\/([^/]+)\/top$/, async ({ res, params, query }) => {
    const psArgs = query.get('ps_args') || undefined;
    const top = await containers.top(params[0] ?? '', psArgs);
    sendJson(res, 200, { Titles: top.titles, Processes: top.processes });
  });
}
