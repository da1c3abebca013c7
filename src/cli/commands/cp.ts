import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, conflict, invalidArgument, isErrno, isNotFound } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { extractTar, packPath, type Rename } from '../archive.js';
import type { ApiClient } from '../client.js';
import type { CommandContext } from '../context.js';

/** What `X-Docker-Container-Path-Stat` tells about a path in a container. */
interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget?: string;
}

/** Go's os.ModeDir bit in a FileMode. */
const isDirMode = (mode: number): boolean => (mode >>> 31) === 1;

/** `CONTAINER:PATH` → [container, path]; an absolute or `./`-led argument is always local. */
export function splitCpArg(arg: string): [string | undefined, string] {
  if (arg.startsWith('/') || arg.startsWith('.')) return [undefined, arg];
  const colon = arg.indexOf(':');
  if (colon <= 0) return [undefined, arg];
  return [arg.slice(0, colon), arg.slice(colon + 1)];
}

/** `berth cp [-a] [-L] SRC DEST`, one side `CONTAINER:PATH`, the other a local path or `-` (a tar stream). */
export async function copyFiles(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('cp', ctx.args, {
    archive: { type: 'boolean', short: 'a' },
    'follow-link': { type: 'boolean', short: 'L' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (positionals.length !== 2) throw invalidArgument('cp: usage: berth cp CONTAINER:SRC_PATH DEST_PATH|- or berth cp SRC_PATH|- CONTAINER:DEST_PATH');
  const [srcContainer, srcPath] = splitCpArg(positionals[0] ?? '');
  const [destContainer, destPath] = splitCpArg(positionals[1] ?? '');
  if (srcContainer && destContainer) throw invalidArgument('cp: copying between containers is not supported');
  if (!srcContainer && !destContainer) throw invalidArgument('cp: one of SRC and DEST must be CONTAINER:PATH');
  if (!srcPath || !destPath) throw invalidArgument('cp: a path is needed on both sides');
  const client = await ctx.client();
  if (srcContainer) return copyOut(client, srcContainer, srcPath, destPath, ctx);
  return copyIn(client, srcPath, destContainer ?? '', destPath, { copyUIDGID: values.archive === true, followLink: values['follow-link'] === true });
}

function statOf(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string' || !header) return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

const contentsOnly = (p: string): boolean => p === '.' || p.endsWith('/.');

async function copyOut(client: ApiClient, container: string, src: string, dest: string, ctx: CommandContext): Promise<void> {
  const res = await client.request('GET', `/containers/${encodeURIComponent(container)}/archive`, { query: { path: src } });
  if (dest === '-') return pipeline(res, process.stdout);
  const stat = statOf(res.headers['x-docker-container-path-stat']);
  const srcName = stat?.name ?? path.posix.basename(src);
  const srcIsDir = stat ? isDirMode(stat.mode) : false;
  const destStat = await fs.promises.stat(dest).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  });
  let dir: string;
  let rename: Rename;
  if (destStat?.isDirectory()) {
    dir = dest;
    // `dir/.` copies the contents: drop the top entry's name if the archive carries one.
    rename = contentsOnly(src) && srcName !== '.' ? stripTop(srcName) : (n) => n;
  } else {
    if (destStat && srcIsDir) throw conflict(`cannot copy a directory to a file: ${dest}`);
    if (!destStat && dest.endsWith('/')) throw new BerthError('not-found', `destination directory ${dest} does not exist`);
    dir = path.dirname(dest);
    if (!fs.existsSync(dir)) throw new BerthError('not-found', `destination directory ${dir} does not exist`);
    const to = path.basename(dest);
    rename = contentsOnly(src) ? (n) => (n === '' ? to : `${to}/${stripTop(srcName)(n) ?? n}`) : retop(srcName, to);
  }
  res.on('error', () => {});
  await extractTar(res, dir, rename, (text) => ctx.err(text));
}

/** Renames the top entry `from` to `to`. */
function retop(from: string, to: string): Rename {
  return (name) => (name === from ? to : name.startsWith(from + '/') ? to + name.slice(from.length) : name);
}

function stripTop(top: string): Rename {
  return (name) => (name === top ? '' : name.startsWith(top + '/') ? name.slice(top.length + 1) : name);
}

async function copyIn(client: ApiClient, src: string, container: string, dest: string, options: { copyUIDGID: boolean; followLink: boolean }): Promise<void> {
  const archive = `/containers/${encodeURIComponent(container)}/archive`;
  const put = async (dir: string, body: Readable): Promise<void> =>
    void (await client.request('PUT', archive, { query: { path: dir, noOverwriteDirNonDir: 'true', copyUIDGID: options.copyUIDGID }, body })).resume();
  if (src === '-') return put(dest, process.stdin);

  const local = options.followLink ? await fs.promises.realpath(src).catch(() => src) : src;
  const srcStat = await fs.promises.lstat(local).catch((err: unknown) => {
    throw isErrno(err, 'ENOENT') ? new BerthError('not-found', `no such file or directory: ${src}`) : err;
  });
  let destStat: PathStat | undefined;
  try {
    const res = await client.request('HEAD', archive, { query: { path: dest } });
    res.resume();
    destStat = statOf(res.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (!isNotFound(err) || /no such container/i.test((err as Error).message)) throw err;
  }
  const onlyContents = contentsOnly(src) && srcStat.isDirectory();
  if (destStat && isDirMode(destStat.mode)) {
    return put(dest, packPath(local, onlyContents ? null : path.basename(path.resolve(src))));
  }
  if (destStat && srcStat.isDirectory()) throw conflict(`cannot copy a directory to a file: ${container}:${dest}`);
  if (!destStat && dest.endsWith('/')) throw new BerthError('not-found', `destination directory ${container}:${dest} does not exist`);
  return put(path.posix.dirname(dest), packPath(local, path.posix.basename(dest)));
}
