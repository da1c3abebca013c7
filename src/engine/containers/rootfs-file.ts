import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../../lib/index.js';

const MAX_SYMLINKS = 40;

/**
 * The host path of `file` inside `root`, resolved as if chrooted there: absolute link
 * targets start at the root and `..` stops at it, so a hostile image's
 * `/etc/passwd -> /../../host/file` stays inside. Undefined when it does not exist.
 */
export async function resolveInRoot(root: string, file: string): Promise<string | undefined> {
  const pending = file.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    let stat;
    try {
      stat = await lstat(host);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
    if (stat.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) return undefined;
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

/** Bigger than any sane /etc/passwd or /etc/group; a hostile image gets no more of our memory. */
const MAX_TEXT_FILE = 16 * 1024 * 1024;

/**
 * A text file of the container's root filesystem, or undefined when missing or not a
 * regular file: a FIFO or a device (a hostile `/etc/passwd`) would block or never end.
 * Opened without following a link, so nothing swapped in after resolution is read.
 */
export async function readRootfsText(root: string, file: string): Promise<string | undefined> {
  const host = await resolveInRoot(root, file);
  if (host === undefined) return undefined;
  let handle;
  try {
    handle = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR') || isErrno(err, 'ELOOP') || isErrno(err, 'ENXIO')) return undefined;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_TEXT_FILE) return undefined;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
