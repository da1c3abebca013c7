import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { humanAge, humanSize, invalidArgument, renderTable } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';

interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
}

const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

function splitTag(name: string): [string, string] {
  const at = name.lastIndexOf(':');
  return at > name.lastIndexOf('/') ? [name.slice(0, at), name.slice(at + 1)] : [name, '<none>'];
}

/** `berth images` / `berth image ls`. */
export async function listImages(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('images', ctx.args, {
    all: { type: 'boolean', short: 'a' },
    quiet: { type: 'boolean', short: 'q' },
    format: { type: 'string' },
    filter: { type: 'string', short: 'f', multiple: true },
    'no-trunc': { type: 'boolean' },
  });
  const filters: Record<string, string[]> = {};
  for (const f of values.filter ?? []) {
    const [key, value] = f.split(/=(.*)/s, 2);
    if (!key || value === undefined) throw invalidArgument(`bad filter ${JSON.stringify(f)}: use key=value`);
    (filters[key] ??= []).push(value);
  }
  if (positionals[0]) (filters['reference'] ??= []).push(positionals[0]);
  const client = await ctx.client();
  const images = await client.json<ImageSummary[]>('GET', '/images/json', {
    query: { all: values.all, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined },
  });
  if (values.format === 'json') return ctx.out(JSON.stringify(images, null, 2) + '\n');
  if (values.format) throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  const id = (image: ImageSummary): string => (values['no-trunc'] ? image.Id : shortId(image.Id));
  if (values.quiet) return ctx.out([...new Set(images.map(id))].map((i) => i + '\n').join(''));
  const rows: string[][] = [];
  const now = new Date();
  for (const image of images) {
    const tags = image.RepoTags?.length ? image.RepoTags : ['<none>:<none>'];
    for (const tag of tags) {
      const [repository, tagName] = tag === '<none>:<none>' ? ['<none>', '<none>'] : splitTag(tag);
      rows.push([repository, tagName, id(image), humanAge(new Date(image.Created * 1000), now), humanSize(image.Size)]);
    }
  }
  ctx.out(renderTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
}

/** `berth image SUBCOMMAND …`. */
export async function imageCommand(ctx: CommandContext): Promise<number | void> {
  const [sub, ...args] = ctx.args;
  const subContext = { ...ctx, args };
  switch (sub) {
    case 'ls':
    case 'list':
      return listImages(subContext);
    case 'import':
      return importImage(subContext);
    case 'inspect':
      return inspectImages(subContext);
    case 'tag':
      return tagImage(subContext);
    case 'rm':
    case 'remove':
      return removeImages(subContext);
    case 'prune':
      return pruneImages(subContext);
    case 'save':
      return saveImages(subContext);
    case 'load':
      return loadImages(subContext);
    case 'mount':
      return mountImage(subContext);
    case 'unmount':
    case 'umount':
      return unmountImage(subContext);
    default:
      throw invalidArgument(
        `unknown image command ${JSON.stringify(sub ?? '')}: use ls, import, inspect, tag, rm, prune, save, load, mount or unmount`,
      );
  }
}

/** `berth image import FILE|- [REF]`, as `docker import`. */
export async function importImage(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('import', ctx.args, {
    message: { type: 'string', short: 'm' },
    change: { type: 'string', short: 'c', multiple: true },
  });
  const [file, reference] = positionals;
  if (!file || positionals.length > 2) throw invalidArgument('import: usage: berth image import FILE|- [REPOSITORY[:TAG]]');
  const body = file === '-' ? process.stdin : await openFile(file);
  const client = await ctx.client();
  const res = await client.request('POST', '/images/create', {
    query: { fromSrc: '-', repo: reference, message: values.message, changes: values.change },
    body,
  });
  await client.messages(res, (message) => {
    if (message.status) ctx.out(message.status + '\n');
  });
}

export async function inspectImages(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('inspect', ctx.args, { format: { type: 'string', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('inspect: at least one image is needed');
  if (values.format && values.format !== 'json') throw invalidArgument('inspect: --format supports only json');
  const client = await ctx.client();
  const found: unknown[] = [];
  let failed = 0;
  for (const name of positionals) {
    try {
      found.push(await client.json('GET', `/images/${encodeURIComponent(name)}/json`));
    } catch (err) {
      failed++;
      ctx.err(`Error: ${(err as Error).message}\n`);
    }
  }
  ctx.out(JSON.stringify(found, null, 4) + '\n');
  return failed ? 1 : 0;
}

export async function tagImage(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('tag', ctx.args, {});
  const [source, target] = positionals;
  if (!source || !target || positionals.length !== 2) throw invalidArgument('tag: usage: berth tag SOURCE TARGET');
  const client = await ctx.client();
  const [repo, tag] = splitTarget(target);
  await client.request('POST', `/images/${encodeURIComponent(source)}/tag`, { query: { repo, tag } }).then((r) => r.resume());
}

/** Splits `repo[:tag]` at the tag colon, not a registry port's. */
function splitTarget(target: string): [string, string | undefined] {
  const at = target.lastIndexOf(':');
  return at > target.lastIndexOf('/') ? [target.slice(0, at), target.slice(at + 1)] : [target, undefined];
}

export async function removeImages(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('rmi', ctx.args, { force: { type: 'boolean', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('rmi: at least one image is needed');
  const client = await ctx.client();
  let failed = 0;
  for (const name of positionals) {
    try {
      const removed = await client.json<Array<{ Untagged?: string; Deleted?: string }>>(
        'DELETE',
        `/images/${encodeURIComponent(name)}`,
        { query: { force: values.force } },
      );
      for (const r of removed) ctx.out(r.Untagged ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`);
    } catch (err) {
      failed++;
      ctx.err(`Error: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

export async function pruneImages(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('image prune', ctx.args, {
    all: { type: 'boolean', short: 'a' },
    force: { type: 'boolean', short: 'f' },
  });
  const client = await ctx.client();
  const result = await client.json<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>(
    'POST',
    '/images/prune',
    { query: { filters: JSON.stringify({ dangling: [values.all ? 'false' : 'true'] }) } },
  );
  if (result.ImagesDeleted?.length) {
    ctx.out('Deleted Images:\n');
    for (const r of result.ImagesDeleted) ctx.out(r.Untagged ? `untagged: ${r.Untagged}\n` : `deleted: ${r.Deleted}\n`);
    ctx.out('\n');
  }
  ctx.out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
}

export async function saveImages(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('save', ctx.args, {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
  });
  if (positionals.length === 0) throw invalidArgument('save: at least one image is needed');
  const format = values.format ?? 'docker';
  if (format !== 'docker' && format !== 'oci') throw invalidArgument(`save: unknown --format ${format}: use docker or oci`);
  if (!values.output && process.stdout.isTTY) throw invalidArgument('save: refusing to write a tar archive to a terminal; use -o FILE');
  const client = await ctx.client();
  const res = await client.request('GET', '/images/get', { query: { names: positionals, format } });
  if (!values.output) return pipeline(res, process.stdout);
  // Write beside the target and rename, so a failed save never leaves a truncated archive.
  const partial = `${values.output}.partial-${process.pid}`;
  try {
    await pipeline(res, fs.createWriteStream(partial));
    fs.renameSync(partial, values.output);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

export async function loadImages(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('load', ctx.args, {
    input: { type: 'string', short: 'i' },
    quiet: { type: 'boolean', short: 'q' },
  });
  const body = values.input ? await openFile(values.input) : process.stdin;
  const client = await ctx.client();
  const res = await client.request('POST', '/images/load', { query: { quiet: values.quiet }, body });
  await client.messages(res, (message) => {
    if (message.stream) ctx.out(message.stream);
  });
}

/** `berth image mount IMAGE`: prints where the image's root filesystem is mounted. */
export async function mountImage(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('image mount', ctx.args, {});
  if (positionals.length !== 1) throw invalidArgument('image mount: usage: berth image mount IMAGE');
  const client = await ctx.client();
  const { Path } = await client.json<{ Path: string }>('POST', `/images/${encodeURIComponent(positionals[0] ?? '')}/mount`);
  ctx.out(Path + '\n');
}

export async function unmountImage(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('image unmount', ctx.args, {});
  if (positionals.length !== 1) throw invalidArgument('image unmount: usage: berth image unmount IMAGE');
  const client = await ctx.client();
  (await client.request('POST', `/images/${encodeURIComponent(positionals[0] ?? '')}/unmount`)).resume();
}

async function openFile(file: string): Promise<fs.ReadStream> {
  await fs.promises.access(file, fs.constants.R_OK).catch(() => {
    throw invalidArgument(`cannot read ${file}: no such file or not readable`);
  });
  return fs.createReadStream(file);
}
