import type { ContainerService, PathStat } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { pipeline } from 'node:stream/promises';
import { goTime } from './docker-time.js';
import type { RouteContext, Router } from './http.js';
import { queryFlag } from './http.js';

/** `docker cp`: HEAD (stat), GET (tar out) and PUT (tar in) on `/containers/{id}/archive`. */

const S_IFMT = 0o170000;
const typeBits: Record<number, number> = {
  0o040000: 2 ** 31, // directory
  0o120000: 2 ** 27, // symlink
  0o010000: 2 ** 25, // named pipe
  0o140000: 2 ** 24, // socket
  0o020000: 2 ** 26 + 2 ** 21, // character device
  0o060000: 2 ** 26, // block device
};

/** A Unix st_mode as Go's os.FileMode, which is what the docker CLI decodes. */
export function goFileMode(mode: number): number {
  let out = (mode & 0o777) + (typeBits[mode & S_IFMT] ?? 0);
  if (mode & 0o4000) out += 2 ** 23;
  if (mode & 0o2000) out += 2 ** 22;
  if (mode & 0o1000) out += 2 ** 20;
  return out;
}

/** The `X-Docker-Container-Path-Stat` header: base64 of the stat as JSON. */
export function pathStatHeader(stat: PathStat): string {
  const json = JSON.stringify({
    name: stat.name,
    size: stat.size,
    mode: goFileMode(stat.mode),
    mtime: goTime(stat.mtime),
    linkTarget: stat.linkTarget,
  });
  return Buffer.from(json).toString('base64');
}

function pathOf(ctx: RouteContext): string {
  const path = ctx.query.get('path');
  if (!path) throw invalidArgument('Bad parameter: path cannot be empty');
  return path;
}

export function containerArchiveRoutes(router: Router, containers: ContainerService): void {
  router.add('HEAD', /^\/containers\/([^/]+)\/archive$/, async (ctx) => {
    const stat = await containers.statPath(ctx.params[0] ?? '', pathOf(ctx));
    ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': pathStatHeader(stat) }).end();
  });

  router.add('GET', /^\/containers\/([^/]+)\/archive$/, async (ctx) => {
    const { stat, tar } = await containers.getArchive(ctx.params[0] ?? '', pathOf(ctx));
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': pathStatHeader(stat) });
    await pipeline(tar, ctx.res);
  });

  router.add('PUT', /^\/containers\/([^/]+)\/archive$/, async (ctx) => {
    await containers.putArchive(ctx.params[0] ?? '', pathOf(ctx), ctx.req, {
      noOverwriteDirNonDir: queryFlag(ctx.query, 'noOverwriteDirNonDir'),
    });
    ctx.res.writeHead(200).end();
  });
}
