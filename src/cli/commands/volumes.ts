import { humanSize, invalidArgument, renderTable } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';

interface VolumeBody {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  CreatedAt: string;
  Scope: string;
}

/** `k=v` flags → a map; `what` names the flag in errors. */
function pairs(values: readonly string[] | undefined, what: string, valueOptional = false): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0 || (eq < 0 && !valueOptional)) throw invalidArgument(`invalid ${what} ${JSON.stringify(v)}: use key=value`);
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** `-f key=value` flags → Docker's filters JSON. */
function filtersJson(values: readonly string[] | undefined): string | undefined {
  if (!values?.length) return undefined;
  const filters: Record<string, string[]> = {};
  for (const f of values) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad filter ${JSON.stringify(f)}: use key=value`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return JSON.stringify(filters);
}

/** `berth volume SUBCOMMAND …` (as `docker volume …`). */
export async function volumeCommand(ctx: CommandContext): Promise<number | void> {
  const [sub, ...args] = ctx.args;
  const subContext = { ...ctx, args };
  switch (sub) {
    case 'create':
      return createVolume(subContext);
    case 'ls':
    case 'list':
      return listVolumes(subContext);
    case 'inspect':
      return inspectVolumes(subContext);
    case 'rm':
    case 'remove':
      return removeVolumes(subContext);
    case 'prune':
      return pruneVolumes(subContext);
    default:
      throw invalidArgument(`unknown volume command ${JSON.stringify(sub ?? '')}: use create, ls, inspect, rm or prune`);
  }
}

async function createVolume(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('volume create', ctx.args, {
    driver: { type: 'string', short: 'd' },
    label: { type: 'string', short: 'l', multiple: true },
    opt: { type: 'string', short: 'o', multiple: true },
    name: { type: 'string' },
  });
  if (positionals.length > 1) throw invalidArgument('volume create: at most one name');
  const name = positionals[0] ?? values.name;
  if (positionals[0] !== undefined && values.name !== undefined && values.name !== positionals[0]) {
    throw invalidArgument(`volume create: conflicting names ${JSON.stringify(values.name)} and ${JSON.stringify(positionals[0])}`);
  }
  const client = await ctx.client();
  const created = await client.json<VolumeBody>('POST', '/volumes/create', {
    body: { Name: name ?? '', Driver: values.driver ?? 'local', DriverOpts: pairs(values.opt, '--opt') ?? {}, Labels: pairs(values.label, '--label', true) ?? {} },
  });
  ctx.out(`${created.Name}\n`);
}

async function listVolumes(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('volume ls', ctx.args, {
    quiet: { type: 'boolean', short: 'q' },
    filter: { type: 'string', short: 'f', multiple: true },
    format: { type: 'string' },
  });
  if (positionals.length) throw invalidArgument('volume ls: takes no arguments');
  const client = await ctx.client();
  const { Volumes: volumes } = await client.json<{ Volumes: VolumeBody[] | null }>('GET', '/volumes', { query: { filters: filtersJson(values.filter) } });
  const list = [...(volumes ?? [])].sort((a, b) => a.Name.localeCompare(b.Name));
  if (values.format === 'json') return ctx.out(JSON.stringify(list, null, 2) + '\n');
  if (values.format) throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  if (values.quiet) return ctx.out(list.map((v) => `${v.Name}\n`).join(''));
  ctx.out(renderTable(['DRIVER', 'VOLUME NAME'], list.map((v) => [v.Driver, v.Name])));
}

async function inspectVolumes(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('volume inspect', ctx.args, { format: { type: 'string', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('volume inspect: at least one volume is needed');
  if (values.format && values.format !== 'json') throw invalidArgument('volume inspect: --format supports only json');
  const client = await ctx.client();
  const found: VolumeBody[] = [];
  let failed = 0;
  for (const name of positionals) {
    try {
      found.push(await client.json<VolumeBody>('GET', `/volumes/${encodeURIComponent(name)}`));
    } catch (err) {
      failed++;
      ctx.err(`Error: ${(err as Error).message}\n`);
    }
  }
  ctx.out(JSON.stringify(found, null, 4) + '\n');
  return failed ? 1 : 0;
}

async function removeVolumes(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('volume rm', ctx.args, { force: { type: 'boolean', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('volume rm: at least one volume is needed');
  const client = await ctx.client();
  let failed = 0;
  for (const name of positionals) {
    try {
      (await client.request('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: values.force } })).resume();
      ctx.out(`${name}\n`);
    } catch (err) {
      failed++;
      ctx.err(`Error: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function pruneVolumes(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('volume prune', ctx.args, {
    all: { type: 'boolean', short: 'a' },
    force: { type: 'boolean', short: 'f' },
    filter: { type: 'string', multiple: true },
  });
  if (positionals.length) throw invalidArgument('volume prune: takes no arguments');
  const filters = [...(values.filter ?? []), ...(values.all ? ['all=true'] : [])];
  const client = await ctx.client();
  const result = await client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filtersJson(filters) } });
  if (result.VolumesDeleted?.length) ctx.out(`Deleted Volumes:\n${result.VolumesDeleted.map((n) => `${n}\n`).join('')}\n`);
  ctx.out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
}
