import { spawnSync } from 'node:child_process';

/** Runs `fn` `runs` times and returns the median wall time in milliseconds. */
export async function medianMs(runs: number, fn: () => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

/** Runs a command, failing loudly: a benchmark of a command that failed means nothing. */
export function command(file: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/** Drops the page cache so both sides read from the same (cold or warm) state. */
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
