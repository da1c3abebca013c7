import { invalidArgument, isNotFound, renderTable } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { ApiClient } from '../client.js';
import { decimalSize, formatCommand, formatNames, formatPorts, formatStatus, runningFor, shortId, type PortSummary } from '../container-format.js';
import type { CommandContext } from '../context.js';

interface ContainerSummary {
  Id: string;
  Names: string[] | null;
  Image: string;
  ImageID?: string;
  Command: string;
  Created: number;
  State?: string;
  Status?: string;
  Ports?: PortSummary[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
}

const path = (id: string, rest = ''): string => `/containers/${encodeURIComponent(id)}${rest}`;

/** Parses repeated `--filter key=value` into the API's filters JSON. */
export function parseFilters(values: string[] | undefined): string | undefined {
  const filters: Record<string, string[]> = {};
  for (const f of values ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad filter ${JSON.stringify(f)}: use key=value`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return Object.keys(filters).length ? JSON.stringify(filters) : undefined;
}

/** The IMAGE column: a short ID for images run by ID, else the familiar name without digest. */
export function formatImage(image: string, imageId: string | undefined, trunc = true): string {
  if (!image) return '<no image>';
  if (!trunc) return image;
  if (/^(sha256:)?[a-f0-9]{64}$/.test(image) || (imageId && shortId(imageId) === shortId(image))) return shortId(image);
  return image.replace(/^docker\.io\/(library\/)?/, '').replace(/@sha256:[a-f0-9]{64}$/, '');
}

/** `berth ps` / `berth container ls`. */
export async function listContainers(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('ps', ctx.args, {
    all: { type: 'boolean', short: 'a' },
    quiet: { type: 'boolean', short: 'q' },
    filter: { type: 'string', short: 'f', multiple: true },
    'no-trunc': { type: 'boolean' },
    format: { type: 'string' },
    last: { type: 'string', short: 'n' },
    latest: { type: 'boolean', short: 'l' },
    size: { type: 'boolean', short: 's' },
  });
  if (positionals.length) throw invalidArgument('ps: accepts no arguments');
  if (values.format && values.format !== 'json') throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  if (values.last !== undefined && !/^-?\d+$/.test(values.last)) throw invalidArgument(`ps: invalid --last ${JSON.stringify(values.last)}`);
  const limit = values.latest ? '1' : values.last !== undefined && Number(values.last) > 0 ? values.last : undefined;
  const client = await ctx.client();
  const containers = await client.json<ContainerSummary[]>('GET', '/containers/json', {
    query: { all: values.all, limit, size: values.size, filters: parseFilters(values.filter) },
  });
  if (values.format === 'json') return ctx.out(JSON.stringify(containers, null, 2) + '\n');
  const trunc = !values['no-trunc'];
  const id = (c: ContainerSummary): string => (trunc ? shortId(c.Id) : c.Id);
  if (values.quiet) return ctx.out(containers.map((c) => id(c) + '\n').join(''));
  const now = Date.now();
  const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
  if (values.size) header.push('SIZE');
  const rows = containers.map((c) => {
    const row = [id(c), formatImage(c.Image, c.ImageID, trunc), formatCommand(c.Command ?? '', trunc), runningFor(c.Created, now), formatStatus(c), formatPorts(c.Ports), formatNames(c.Names, trunc)];
    if (values.size) row.push(`${decimalSize(c.SizeRw ?? 0)}${c.SizeRootFs ? ` (virtual ${decimalSize(c.SizeRootFs)})` : ''}`);
    return row;
  });
  ctx.out(renderTable(header, rows));
}

/** Runs `action` on each named container, printing the name on success, as docker's batch verbs do. */
async function eachContainer(ctx: CommandContext, verb: string, names: string[], action: (client: ApiClient, name: string) => Promise<void>, quiet = false): Promise<number> {
  if (names.length === 0) throw invalidArgument(`${verb}: at least one container is needed`);
  const client = await ctx.client();
  let failed = 0;
  for (const name of names) {
    try {
      await action(client, name);
      if (!quiet) ctx.out(name + '\n');
    } catch (err) {
      failed++;
      ctx.err(`berth: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

const post = async (client: ApiClient, url: string, query?: Record<string, string | boolean | undefined>): Promise<void> =>
  void (await client.request('POST', url, { query })).resume();

const timeoutFlags = {
  time: { type: 'string', short: 't' },
  timeout: { type: 'string' },
  signal: { type: 'string', short: 's' },
} as const;

function timeoutOf(values: { time?: string; timeout?: string }): string | undefined {
  const t = values.time ?? values.timeout;
  if (t !== undefined && !/^-?\d+$/.test(t)) throw invalidArgument(`invalid timeout ${JSON.stringify(t)}: seconds are needed`);
  return t;
}

export async function stopContainers(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('stop', ctx.args, timeoutFlags);
  const t = timeoutOf(values);
  return eachContainer(ctx, 'stop', positionals, (c, n) => post(c, path(n, '/stop'), { t, signal: values.signal }));
}

export async function restartContainers(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('restart', ctx.args, timeoutFlags);
  const t = timeoutOf(values);
  return eachContainer(ctx, 'restart', positionals, (c, n) => post(c, path(n, '/restart'), { t, signal: values.signal }));
}

export async function killContainers(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('kill', ctx.args, { signal: { type: 'string', short: 's' } });
  return eachContainer(ctx, 'kill', positionals, (c, n) => post(c, path(n, '/kill'), { signal: values.signal }));
}

export async function pauseContainers(ctx: CommandContext): Promise<number> {
  const { positionals } = parseVerbArgs('pause', ctx.args, {});
  return eachContainer(ctx, 'pause', positionals, (c, n) => post(c, path(n, '/pause')));
}

export async function unpauseContainers(ctx: CommandContext): Promise<number> {
  const { positionals } = parseVerbArgs('unpause', ctx.args, {});
  return eachContainer(ctx, 'unpause', positionals, (c, n) => post(c, path(n, '/unpause')));
}

export async function removeContainers(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('rm', ctx.args, {
    force: { type: 'boolean', short: 'f' },
    volumes: { type: 'boolean', short: 'v' },
  });
  return eachContainer(ctx, 'rm', positionals, async (c, n) => {
    (await c.request('DELETE', path(n), { query: { force: values.force, v: values.volumes } })).resume();
  });
}

export async function renameContainer(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('rename', ctx.args, {});
  const [from, to] = positionals;
  if (!from || !to || positionals.length !== 2) throw invalidArgument('rename: usage: berth rename CONTAINER NEW_NAME');
  await post(await ctx.client(), path(from, '/rename'), { name: to });
}

/** `berth wait CONTAINER…`: prints each exit code. */
export async function waitContainers(ctx: CommandContext): Promise<number> {
  const { positionals } = parseVerbArgs('wait', ctx.args, {});
  return eachContainer(
    ctx,
    'wait',
    positionals,
    async (c, n) => {
      const result = await c.json<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', path(n, '/wait'));
      if (result.Error?.Message) throw new Error(result.Error.Message);
      ctx.out(`${result.StatusCode}\n`);
    },
    true,
  );
}

/** `berth inspect NAME…`: containers first, images as a fallback (or one `--type`). */
export async function inspectObjects(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('inspect', ctx.args, {
    format: { type: 'string', short: 'f' },
    type: { type: 'string' },
    size: { type: 'boolean', short: 's' },
  });
  if (positionals.length === 0) throw invalidArgument('inspect: at least one name is needed');
  if (values.format && values.format !== 'json') throw invalidArgument('inspect: --format supports only json');
  const type = values.type;
  if (type !== undefined && type !== 'container' && type !== 'image') throw invalidArgument(`inspect: unknown --type ${JSON.stringify(type)}: use container or image`);
  const kinds: Array<'container' | 'image'> = type ? [type] : ['container', 'image'];
  const client = await ctx.client();
  const found: unknown[] = [];
  let failed = 0;
  for (const name of positionals) {
    let result: unknown;
    let lastError: unknown;
    for (const kind of kinds) {
      try {
        result =
          kind === 'container'
            ? await client.json('GET', path(name, '/json'), { query: { size: values.size } })
            : await client.json('GET', `/images/${encodeURIComponent(name)}/json`);
        break;
      } catch (err) {
        lastError = err;
        if (!isNotFound(err)) break;
      }
    }
    if (result !== undefined) {
      found.push(result);
      continue;
    }
    failed++;
    ctx.err(isNotFound(lastError) ? `berth: no such ${type ?? 'object'}: ${name}\n` : `berth: ${(lastError as Error).message}\n`);
  }
  ctx.out(JSON.stringify(found, null, 4) + '\n');
  return failed ? 1 : 0;
}

/** `berth top CONTAINER [ps OPTIONS]`. */
export async function topContainer(ctx: CommandContext): Promise<void> {
  const [name, ...psArgs] = ctx.args;
  if (!name || name.startsWith('-')) throw invalidArgument('top: usage: berth top CONTAINER [ps OPTIONS]');
  const client = await ctx.client();
  const top = await client.json<{ Titles: string[]; Processes: string[][] | null }>('GET', path(name, '/top'), {
    query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
  });
  ctx.out(renderTable(top.Titles, top.Processes ?? []));
}
