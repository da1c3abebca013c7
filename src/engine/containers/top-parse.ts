import { invalidArgument } from '../../lib/index.js';

export interface ProcessTable {
  titles: string[];
  processes: string[][];
}

/**
 * Keeps the rows of `ps` output whose PID column names one of `pids`, as Docker's top does:
 * the header gives the titles, a row splits on blanks and everything past the last title's
 * column joins into that one (the command line has spaces).
 */
export function filterPsOutput(output: string, pids: ReadonlySet<number>): ProcessTable {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter((t) => t !== '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length <= pidIndex) continue;
    const pid = Number(fields[pidIndex]);
    if (!Number.isInteger(pid) || !pids.has(pid)) continue;
    const head = fields.slice(0, titles.length - 1);
    const rest = fields.slice(titles.length - 1).join(' ');
    processes.push(fields.length >= titles.length ? [...head, rest] : fields);
  }
  return { titles, processes };
}

/** `ps` arguments from Docker's `ps_args` string ('' means `-ef`). */
export function psArguments(psArgs: string | undefined): string[] {
  const args = (psArgs ?? '').trim().split(/\s+/).filter((a) => a !== '');
  return args.length === 0 ? ['-ef'] : args;
}
