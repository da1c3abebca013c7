import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../../lib/index.js';

/**
 * Paths the runtime creates in a container's root filesystem only to mount over them
 * (Docker keeps them in its "init layer", below the container's own): the API file
 * systems and the generated /etc files. They are not the container's changes.
 */
const MOUNT_POINTS = ['proc', 'sys', 'dev', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];
const MOUNT_POINT_SET: ReadonlySet<string> = new Set(MOUNT_POINTS);

/**
 * For a container that runs (paused), where the mount points cannot be removed from under
 * its mounts: the diff leaves them out instead (nothing the process writes lands there).
 */
export const isMountPoint = (name: string): boolean => MOUNT_POINT_SET.has(name);

/**
 * Removes, from the upper dir of a container that does not run, the mount points the
 * runtime made (an empty file or directory there is one: a process cannot write through
 * the mount to the upper dir). A directory with content is the container's own doing
 * and stays.
 */
export async function dropMountPoints(upper: string, lowers: readonly string[]): Promise<void> {
  for (const rel of MOUNT_POINTS) {
    const p = path.join(upper, rel);
    try {
      const st = await lstat(p);
      if (st.isFile() && st.size === 0) await rm(p);
      else if (st.isDirectory() && (await readdir(p)).length === 0) await rm(p, { recursive: true });
      else continue;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      continue;
    }
    await dropCopiedUpParents(upper, lowers, path.posix.dirname(rel));
  }
}

/**
 * A mount point inside a directory of the image (`/etc/hosts`) made overlayfs copy that
 * directory up; once the mount point is gone, an empty copy with the lower directory's
 * owner and mode is no change either.
 */
async function dropCopiedUpParents(upper: string, lowers: readonly string[], rel: string): Promise<void> {
  for (let dir = rel; dir !== '.' && dir !== '/' && dir !== ''; dir = path.posix.dirname(dir)) {
    const p = path.join(upper, dir);
    let st;
    try {
      st = await lstat(p);
      if (!st.isDirectory() || (await readdir(p)).length > 0) return;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    const lower = await firstExisting(lowers.map((l) => path.join(l, dir)));
    if (!lower || !lower.isDirectory() || lower.mode !== st.mode || lower.uid !== st.uid || lower.gid !== st.gid) return;
    await rm(p, { recursive: true });
  }
}

async function firstExisting(paths: readonly string[]): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  for (const p of paths) {
    try {
      return await lstat(p);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return undefined;
}
