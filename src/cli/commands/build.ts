import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { invalidArgument, isErrno } from '../../lib/index.js';
import { humanSize } from '../../lib/format.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';

const USAGE = 'build: usage: berth build [-t NAME:TAG] [-f FILE] [--build-arg K=V] [--target T] [--label K=V] [--no-cache] [--pull] [-q] [--network MODE] CONTEXT|-';

/** `K=V` flags → an object; `K` alone takes the value from this environment, as docker does. */
function keyValues(flag: string, items: readonly string[] | undefined, fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq === 0) throw invalidArgument(`build: --${flag} ${item}: the name is empty`);
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else if (fromEnv && process.env[item] !== undefined) out[item] = process.env[item] ?? '';
    else if (!fromEnv) out[item] = '';
  }
  return out;
}

/**
 * `berth build`, as `docker build` with the classic builder: the context directory is
 * sent as a tar (less what .dockerignore excludes) to `POST /build`, whose step output
 * is printed as it comes. `-` reads from stdin a Dockerfile (then there is no other
 * context) or a whole context as a tar.
 */
export async function buildImage(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('build', ctx.args, {
    tag: { type: 'string', short: 't', multiple: true },
    file: { type: 'string', short: 'f' },
    'build-arg': { type: 'string', multiple: true },
    target: { type: 'string' },
    label: { type: 'string', multiple: true },
    'no-cache': { type: 'boolean' },
    pull: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    network: { type: 'string' },
    platform: { type: 'string' },
    rm: { type: 'boolean', default: true },
    'force-rm': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw invalidArgument(USAGE);
  const { loadDockerignore, packContext } = await import('../../build/context/index.js');
  const contextArg = positionals[0] ?? '';
  let contextDir: string;
  let emptyDir: string | undefined;
  let dockerfileName: string | undefined;
  let extra: { dockerfile?: { name: string; content: Buffer }; dockerfilePath?: string } = {};
  let archive: Buffer | undefined;
  if (contextArg === '-') {
    const input = await readStdin();
    if (isArchive(input)) {
      // A whole context as a tar (plain or compressed) goes as it is, as with docker.
      archive = input;
      contextDir = '';
      dockerfileName = values.file;
    } else {
      emptyDir = await mkdtemp(path.join(os.tmpdir(), 'berth-build-'));
      contextDir = emptyDir;
      dockerfileName = 'Dockerfile';
      extra = { dockerfile: { name: dockerfileName, content: input } };
    }
  } else {
    contextDir = path.resolve(contextArg);
    const st = await stat(contextDir).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) throw invalidArgument(`build: unable to prepare context: path ${JSON.stringify(contextArg)} not found`);
      throw err;
    });
    if (!st.isDirectory()) throw invalidArgument(`build: unable to prepare context: ${contextArg} is not a directory`);
    const file = path.resolve(values.file ?? path.join(contextDir, 'Dockerfile'));
    const relative = path.relative(contextDir, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      // A Dockerfile outside the context travels inside the tar under a name of its own, as docker does.
      dockerfileName = `.dockerfile.${Math.random().toString(16).slice(2, 14)}`;
      extra = { dockerfile: { name: dockerfileName, content: await readFile(file) } };
    } else {
      dockerfileName = relative.split(path.sep).join('/');
      extra = { dockerfilePath: dockerfileName };
    }
  }
  try {
    let tar: Readable;
    if (archive !== undefined) {
      tar = Readable.from([archive]);
    } else {
      const ignoreText = await readFile(path.join(contextDir, '.dockerignore'), 'utf8').catch((err: unknown) => {
        if (isErrno(err, 'ENOENT')) return '';
        throw err;
      });
      tar = packContext(contextDir, loadDockerignore(ignoreText), extra);
    }
    const client = await ctx.client();
    const res = await client.request('POST', '/build', {
      query: {
        t: values.tag ?? [],
        dockerfile: dockerfileName,
        buildargs: JSON.stringify(keyValues('build-arg', values['build-arg'], true)),
        labels: JSON.stringify(keyValues('label', values.label, false)),
        target: values.target,
        nocache: values['no-cache'],
        pull: values.pull,
        q: values.quiet,
        networkmode: values.network,
        platform: values.platform,
        rm: values.rm === false ? '0' : '1',
        forcerm: values['force-rm'],
      },
      body: tar,
    });
    // With -q the daemon sends only the image ID (or, on failure, the output it held back).
    await client.messages(res, (message) => {
      if (message.stream !== undefined) ctx.out(message.stream);
      else if (message.status !== undefined && message.progressDetail?.current === undefined) ctx.out(`${message.id ? `${message.id}: ` : ''}${message.status}\n`);
    });
    return 0;
  } finally {
    if (emptyDir !== undefined) await rm(emptyDir, { recursive: true, force: true });
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** gzip, bzip2, xz or a tar header (`ustar` at offset 257): a context, not a Dockerfile. */
function isArchive(data: Buffer): boolean {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return true;
  if (data.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
  return data.length >= 262 && data.subarray(257, 262).toString('latin1') === 'ustar';
}

/** `berth commit`, as `docker commit` (a running container is paused meanwhile). */
export async function commitContainer(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('commit', ctx.args, {
    message: { type: 'string', short: 'm' },
    author: { type: 'string', short: 'a' },
    change: { type: 'string', short: 'c', multiple: true },
  });
  const [container, reference] = positionals;
  if (!container || positionals.length > 2) throw invalidArgument('commit: usage: berth commit [-m MSG] [-a AUTHOR] [-c CHANGE] CONTAINER [NAME[:TAG]]');
  let repo: string | undefined;
  let tag: string | undefined;
  if (reference !== undefined) {
    const colon = reference.lastIndexOf(':');
    [repo, tag] = colon > reference.lastIndexOf('/') ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, undefined];
  }
  const client = await ctx.client();
  const answer = await client.json<{ Id: string }>('POST', '/commit', {
    query: { container, repo, tag, comment: values.message, author: values.author, changes: values.change ?? [] },
  });
  ctx.out(`${answer.Id}\n`);
}

/** `berth builder prune`: forgets the build cache and removes its intermediate images. */
export async function builderCommand(ctx: CommandContext): Promise<void> {
  const [sub, ...rest] = ctx.args;
  if (sub !== 'prune') throw invalidArgument('builder: usage: berth builder prune [-f]');
  parseVerbArgs('builder prune', rest, { force: { type: 'boolean', short: 'f' }, all: { type: 'boolean', short: 'a' } });
  const client = await ctx.client();
  const result = await client.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune');
  const deleted = result.CachesDeleted ?? [];
  if (deleted.length > 0) ctx.out(`Deleted build cache objects:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
  ctx.out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
}
