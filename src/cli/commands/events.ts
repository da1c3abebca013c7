import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { formatEventTime } from '../container-format.js';
import type { CommandContext } from '../context.js';
import { parseTimestamp } from '../units.js';
import { parseFilters } from './containers.js';

interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** One event as docker prints it: `TIME TYPE ACTION ID (k=v, …)`, attributes sorted. */
export function formatEvent(line: string): string {
  const event = JSON.parse(line) as EventMessage;
  // timeNano does not fit a double: read it from the text.
  const nano = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  const time = nano ? formatEventTime(BigInt(nano)) : event.time ? formatEventTime(BigInt(event.time) * 1_000_000_000n) : '';
  const attributes = Object.entries(event.Actor?.Attributes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return `${time ? time + ' ' : ''}${event.Type ?? ''} ${event.Action ?? ''} ${event.Actor?.ID ?? ''}${attributes.length ? ` (${attributes.join(', ')})` : ''}\n`;
}

/** `berth events [--since T] [--until T] [-f k=v] [--format json]`: streams until interrupted or `--until`. */
export async function streamEvents(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('events', ctx.args, {
    since: { type: 'string' },
    until: { type: 'string' },
    filter: { type: 'string', short: 'f', multiple: true },
    format: { type: 'string' },
  });
  if (positionals.length) throw invalidArgument('events: accepts no arguments');
  if (values.format && values.format !== 'json') throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  const client = await ctx.client();
  const res = await client.request('GET', '/events', {
    query: {
      since: values.since !== undefined ? parseTimestamp(values.since) : undefined,
      until: values.until !== undefined ? parseTimestamp(values.until) : undefined,
      filters: parseFilters(values.filter),
    },
  });
  const stop = (): void => void res.destroy();
  process.once('SIGINT', stop);
  try {
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) ctx.out(values.format === 'json' ? line + '\n' : formatEvent(line));
      }
    }
  } catch (err) {
    if (!res.destroyed) throw err;
  } finally {
    process.off('SIGINT', stop);
  }
}
