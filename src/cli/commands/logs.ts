import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';
import { forwardTo } from '../hijack.js';
import { demuxTo } from '../stdcopy.js';
import { parseTimestamp } from '../units.js';

/** `berth logs [-f] [--since T] [--until T] [-n|--tail N] [-t] CONTAINER`. */
export async function containerLogs(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('logs', ctx.args, {
    follow: { type: 'boolean', short: 'f' },
    since: { type: 'string' },
    until: { type: 'string' },
    tail: { type: 'string', short: 'n' },
    timestamps: { type: 'boolean', short: 't' },
    details: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw invalidArgument('logs: usage: berth logs [OPTIONS] CONTAINER');
  const tail = values.tail ?? 'all';
  if (tail !== 'all' && !/^-?\d+$/.test(tail)) throw invalidArgument(`logs: invalid --tail ${JSON.stringify(tail)}: a number or "all"`);
  const name = encodeURIComponent(positionals[0] ?? '');
  const client = await ctx.client();
  // A TTY container's log is one raw stream; otherwise it comes in stdcopy frames.
  const { Config } = await client.json<{ Config: { Tty: boolean } }>('GET', `/containers/${name}/json`);
  const res = await client.request('GET', `/containers/${name}/logs`, {
    query: {
      stdout: true,
      stderr: true,
      follow: values.follow,
      timestamps: values.timestamps,
      details: values.details,
      since: values.since !== undefined ? parseTimestamp(values.since) : undefined,
      until: values.until !== undefined ? parseTimestamp(values.until) : undefined,
      tail,
    },
  });
  await pipeline(res, Config.Tty ? forwardTo(process.stdout) : demuxTo(process.stdout, process.stderr));
}
