import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../../lib/index.js';

/**
 * Paths the runtime creates in a container's root filesystem only to mount over them
 * (Docker keeps them in its "init layer", below the container's own): the API file
 * systems and the generated /etc files. They are not the container's changes.
 */
const MOUNT_POINTS = ['proc', 'sys', 'dev', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

/**
 * Removes, from the upper dir of a container that does not run, the mount points the
 * runtime made (an empty file or directory there is one: a process cannot write through
 * the mount to the upper dir). A directory with content is the container's own doing
 * and stays.
 */
export async function dropMountPoints(upper: string): Promise<void> {
  for (const rel of MOUNT_POINTS) {
    const p = path.join(upper, rel);
    try {
      const st = await lstat(p);
      if (st.isFile() && st.size === 0) await rm(p);
      else if (st.isDirectory() && (await readdir(p)).length === 0) await rm(p, { recursive: true });
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
}
