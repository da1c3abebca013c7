import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../lib/index.js';
import { applyLayer } from '../../layers/index.js';
import { guardArchive } from './archive-guard.js';
import { goFileMode } from './archive-mode.js';
import { linkTargetOf, resolveContainerPath, type ContainerPath } from './archive-path.js';
import { tarPath } from './archive-tar.js';
import type { PathStat } from './types.js';

/*
 * `docker cp` on the engine's side: stat a path, read a path as a tar, extract a tar into a
 * directory, all within a container's root filesystem (paths resolved as if chrooted
 * there, see resolveContainerPath). The client does the rest of cp's rules (renaming,
 * copying to a path that does not exist yet) by statting first and tarring accordingly.
 */

/**
 * What Docker's X-Docker-Container-Path-Stat header carries: the path itself (a link is
 * not followed unless the path ends in `/`), its mode in Go's os.FileMode encoding and,
 * for a link, where it leads as a container path.
 */
export async function statPath(rootfs: string, containerPath: string, name?: string): Promise<PathStat> {
  const { host, path: parsed } = await resolveContainerPath(rootfs, containerPath);
  return statOf(rootfs, host, parsed, name);
}

/** `name`: what to call the root of `rootfs` (a volume's root is the container's `/data`). */
async function statOf(rootfs: string, host: string, parsed: ContainerPath, name?: string): Promise<PathStat> {
  const st = await lstat(host);
  const linkTarget = st.isSymbolicLink() ? await linkTargetOf(rootfs, parsed.abs, await readlink(host)) : '';
  return {
    name: parsed.contentsOnly ? '.' : parsed.abs === '/' ? (name ?? '/') : path.posix.basename(parsed.abs),
    size: st.size,
    mode: goFileMode(st),
    mtime: st.mtime,
    linkTarget,
  };
}

/**
 * A tar of a file or directory, entries named after the path's last element (`dir/`,
 * `dir/file`…); a path ending in `/.` gives the directory's contents (`./file`…), as
 * `docker cp c:/dir/. dest` expects.
 */
export async function getArchive(rootfs: string, containerPath: string, rootName?: string): Promise<{ stat: PathStat; tar: Readable }> {
  const { host, path: parsed } = await resolveContainerPath(rootfs, containerPath);
  const stat = await statOf(rootfs, host, parsed, rootName);
  const name = parsed.contentsOnly ? '.' : parsed.abs === '/' ? (rootName ?? '.') : path.posix.basename(parsed.abs);
  return { stat, tar: tarPath(host, name) };
}

export interface PutArchiveOptions {
  /** Refuse to replace a directory with a non-directory or the other way round. */
  noOverwriteDirNonDir?: boolean;
}

/**
 * Extracts a tar into the directory at `containerPath` (a link to a directory is followed).
 * The directory must exist. Entries keep their owners and modes; nothing can be written
 * outside the directory (the layer extractor refuses escaping names and links).
 */
export async function putArchive(rootfs: string, containerPath: string, tar: Readable, options: PutArchiveOptions = {}): Promise<void> {
  const { host } = await resolveContainerPath(rootfs, containerPath, { follow: true });
  if (!(await lstat(host)).isDirectory()) {
    tar.destroy();
    throw invalidArgument(`extraction point ${containerPath} is not a directory`);
  }
  await applyLayer(guardArchive(tar, host, options), host);
}
