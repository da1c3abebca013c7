import { spawnSync } from 'node:child_process';

export interface MedianOptions {
  /** Untimed work before each run: removing the previous run's output, syncing. */
  before?: () => Promise<void> | void;
}

/** Runs `fn` `runs` times and returns the median wall time in milliseconds. */
export async function medianMs(runs: number, fn: () => Promise<void> | void, options: MedianOptions = {}): Promise<number> {
  const [result] = await interleavedMedians(runs, [{ fn, ...options }]);
  return result?.ms ?? NaN;
}

export interface BenchCase extends MedianOptions {
  fn: () => Promise<void> | void;
}

/**
 * Runs every case `runs` times, interleaved (a b c a b c …), so that drift in the machine
 * (page cache, writeback, the filesystem's own state) spreads over all cases instead of
 * landing on whichever ran last. Returns each case's median and its run times, in ms.
 */
export async function interleavedMedians(runs: number, cases: readonly BenchCase[]): Promise<Array<{ ms: number; times: number[] }>> {
  const times = cases.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [c, bench] of cases.entries()) {
      await bench.before?.();
      const start = process.hrtime.bigint();
      await bench.fn();
      times[c]?.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return times.map((t) => {
    const sorted = [...t].sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)] ?? NaN, times: t };
  });
}

/** Runs a command, failing loudly: a benchmark of a command that failed means nothing. */
export function command(file: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/**
 * Flushes dirty pages, so that one run's writeback does not land in the next run's time.
 * The page cache itself is kept: both sides read from the same warm state.
 */
export function syncDisks(): void {
  spawnSync('sync');
}

export function report(title: string, rows: Array<{ name: string; ms: number; bytes?: number }>, anchor: string): void {
  const base = rows.find((r) => r.name === anchor);
  console.log(`\n${title}`);
  for (const row of rows) {
    const rate = row.bytes ? `  ${(row.bytes / 1e6 / (row.ms / 1000)).toFixed(0).padStart(6)} MB/s` : '';
    const ratio = base ? `  ${(row.ms / base.ms).toFixed(2)}× ${anchor}` : '';
    console.log(`  ${row.name.padEnd(34)} ${row.ms.toFixed(1).padStart(9)} ms${rate}${ratio}`);
  }
}
