import type http from 'node:http';
import { invalidArgument, renderTable } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { ApiClient } from '../client.js';
import { statsRow, type StatsResponse, type StatsRow } from '../container-format.js';
import type { CommandContext } from '../context.js';

const header = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];
const cells = (r: StatsRow): string[] => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs];

/** `berth stats [--no-stream] [--format json] [-a] [CONTAINER…]`. */
export async function containerStats(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('stats', ctx.args, {
    'no-stream': { type: 'boolean' },
    all: { type: 'boolean', short: 'a' },
    format: { type: 'string' },
    'no-trunc': { type: 'boolean' },
  });
  if (values.format && values.format !== 'json') throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  const client = await ctx.client();
  const names = positionals.length
    ? positionals
    : (await client.json<Array<{ Id: string }>>('GET', '/containers/json', { query: { all: values.all } })).map((c) => c.Id);
  const render = (rows: StatsRow[]): string =>
    values.format === 'json' ? rows.map((r) => JSON.stringify({ ...r, Container: r.ID }) + '\n').join('') : renderTable(header, rows.map(cells));

  if (values['no-stream']) {
    const rows: StatsRow[] = [];
    let failed: Error | undefined;
    for (const name of names) {
      try {
        // stream=false: the daemon takes two samples, so CPU % has a baseline.
        rows.push(statsRow(name, await client.json<StatsResponse>('GET', `/containers/${encodeURIComponent(name)}/stats`, { query: { stream: 'false' } })));
      } catch (err) {
        failed = err as Error;
      }
    }
    ctx.out(render(rows));
    if (failed) throw failed;
    return;
  }
  await streamStats(client, names, (rows) => {
    if (process.stdout.isTTY && values.format !== 'json') ctx.out('\x1b[2J\x1b[H');
    ctx.out(render(rows));
  });
}

/** Follows each container's stats stream and redraws once a second until every stream ends. */
async function streamStats(client: ApiClient, names: string[], draw: (rows: StatsRow[]) => void): Promise<void> {
  const latest = new Map<string, StatsRow>();
  const responses: http.IncomingMessage[] = [];
  const streams = names.map(async (name) => {
    const res = await client.request('GET', `/containers/${encodeURIComponent(name)}/stats`, { query: { stream: 'true' } });
    responses.push(res);
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) latest.set(name, statsRow(name, JSON.parse(line) as StatsResponse));
      }
    }
  });
  const timer = setInterval(() => draw(names.flatMap((n) => latest.get(n) ?? [])), 1000);
  const stop = (): void => {
    for (const res of responses) res.destroy();
  };
  process.once('SIGINT', stop);
  try {
    await Promise.allSettled(streams);
  } finally {
    clearInterval(timer);
    process.off('SIGINT', stop);
  }
}
