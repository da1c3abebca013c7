import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';
import { progressRenderer } from '../progress.js';

function progressOf(ctx: CommandContext, quiet: boolean | undefined): Parameters<typeof progressRenderer>[0] {
  return { isTTY: !quiet && process.stdout.isTTY, write: quiet ? () => undefined : ctx.out };
}

/** `berth pull [--platform P] [-q] NAME[:TAG|@DIGEST]`, as `docker pull`. */
export async function pullImage(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('pull', ctx.args, {
    platform: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  const [reference] = positionals;
  if (!reference || positionals.length !== 1) throw invalidArgument('pull: usage: berth pull [--platform OS/ARCH] NAME[:TAG|@DIGEST]');
  const client = await ctx.client();
  const res = await client.request('POST', '/images/create', { query: { fromImage: reference, platform: values.platform } });
  await client.messages(res, progressRenderer(progressOf(ctx, values.quiet)));
  if (values.quiet) ctx.out(reference + '\n');
}

/** `berth push [-q] NAME[:TAG]`, as `docker push`. */
export async function pushImage(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('push', ctx.args, { quiet: { type: 'boolean', short: 'q' } });
  const [reference] = positionals;
  if (!reference || positionals.length !== 1) throw invalidArgument('push: usage: berth push NAME[:TAG]');
  if (reference.includes('@')) throw invalidArgument('push: push a tag, not a digest');
  const colon = reference.lastIndexOf(':');
  const [name, tag] = colon > reference.lastIndexOf('/') ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
  const client = await ctx.client();
  const res = await client.request('POST', `/images/${encodeURIComponent(name)}/push`, { query: { tag } });
  await client.messages(res, progressRenderer(progressOf(ctx, values.quiet)));
  if (values.quiet) ctx.out(reference + '\n');
}
