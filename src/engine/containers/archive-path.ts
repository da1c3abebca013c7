import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, notFound } from '../../lib/index.js';
import { resolveInRoot } from './rootfs-file.js';

/** A path in the container as `docker cp` and the archive API read it. */
export interface ContainerPath {
  /** Absolute and clean ('/' for the root); `..` stops at the root, as filepath.Join("/", p) does. */
  abs: string;
  /** The caller's path ended in `/` or `/.`: its last element is followed if it is a link. */
  trailing: boolean;
  /** The caller's path ended in `/.`: copy the directory's contents, not the directory. */
  contentsOnly: boolean;
}

export function parseContainerPath(p: string): ContainerPath {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const contentsOnly = p === '.' || p.endsWith('/.');
  return { abs: `/${parts.join('/')}`, trailing: contentsOnly || p.endsWith('/'), contentsOnly };
}

/**
 * The host path of a container path under `rootfs`. Every directory on the way is resolved
 * as if chrooted in the rootfs (see resolveInRoot: absolute link targets start at the
 * rootfs, `..` stops at it, exactly as the kernel treats a chrooted process and as Docker's
 * FollowSymlinkInScope does), so no link can lead outside. The last element is followed
 * only with `follow` or a trailing `/`; otherwise a link is the link itself.
 * Not found when anything on the way is missing.
 */
export async function resolveContainerPath(rootfs: string, p: string, options: { follow?: boolean } = {}): Promise<{ host: string; path: ContainerPath }> {
  const parsed = parseContainerPath(p);
  const missing = (cause?: unknown): Error => notFound(`Could not find the file ${p} in the container`, cause);
  let host: string | undefined;
  if (parsed.abs === '/') host = rootfs;
  else if (options.follow === true || parsed.trailing) host = await resolveInRoot(rootfs, parsed.abs);
  else {
    const parent = await resolveInRoot(rootfs, path.posix.dirname(parsed.abs));
    host = parent === undefined ? undefined : path.join(parent, path.posix.basename(parsed.abs));
  }
  if (host === undefined) throw missing();
  try {
    await lstat(host);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw missing(err);
    throw err;
  }
  return { host, path: parsed };
}

/**
 * Where the link at container path `abs` points, as a container path: followed in the
 * rootfs when it resolves, otherwise (a dangling link) its target made absolute lexically.
 */
export async function linkTargetOf(rootfs: string, abs: string, target: string): Promise<string> {
  const resolved = await resolveInRoot(rootfs, abs);
  if (resolved !== undefined) {
    const rel = path.relative(rootfs, resolved);
    return rel === '' ? '/' : `/${rel}`;
  }
  return parseContainerPath(target.startsWith('/') ? target : `${path.posix.dirname(abs)}/${target}`).abs;
}
