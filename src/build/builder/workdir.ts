import { lstat, mkdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument, isErrno } from '../../lib/index.js';

const MAX_LINKS = 40;

/**
 * `mkdir -p` of `dir` (absolute, inside the image) under `root`, following symlinks as
 * the container would see them: an absolute link target starts again at `root`, so
 * nothing outside it is ever touched. New directories are 0755 and owned by root.
 */
export async function mkdirInRoot(root: string, dir: string): Promise<void> {
  const pending = dir.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const host = path.join(root, ...resolved, name);
    try {
      const st = await lstat(host);
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw invalidArgument(`WORKDIR ${dir}: too many levels of symbolic links`);
        const target = await readlink(host);
        if (target.startsWith('/')) resolved.length = 0;
        pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
        continue;
      }
      if (!st.isDirectory()) throw invalidArgument(`WORKDIR ${dir}: /${[...resolved, name].join('/')} is not a directory`);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      await mkdir(host, { mode: 0o755 });
    }
    resolved.push(name);
  }
}
