import { chmodSync, lchownSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { invalidArgument } from '../../lib/index.js';

// moby/sys/symlink gives up after 255 links; so do we.
const MAX_SYMLINKS = 255;

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Resolves `path` inside `root` as if `root` were the filesystem root, the way Docker's
 * FollowSymlinkInScope does: symlinks are followed (absolute targets start at `root`),
 * `..` stops at `root`, so the result always lies inside it. Components that do not exist
 * are kept as they are. `root` must be a real path (no symlink on the way to it).
 *
 * With `create`, missing directories on the way (every component when `createLast`, all but
 * the last otherwise) are made with mode 0755 and that owner. Returns the host path.
 */
export function resolveScoped(root: string, path: string, create?: { owner: Owner; createLast: boolean }): string {
  const pending = path.split('/').reverse();
  const parts: string[] = [];
  let links = 0;
  const abs = (): string => (parts.length === 0 ? root : `${root}/${parts.join('/')}`);
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      parts.pop();
      continue;
    }
    parts.push(part);
    const full = abs();
    const st = lstatSync(full, { throwIfNoEntry: false });
    if (st === undefined) {
      if (create && (pending.some((p) => p !== '' && p !== '.') || create.createLast)) {
        mkdirSync(full, 0o755);
        // mkdir honours the umask; Docker's parents are 0755 whatever it is.
        chmodSync(full, 0o755);
        lchownSync(full, create.owner.uid, create.owner.gid);
      }
      continue;
    }
    if (!st.isSymbolicLink()) {
      if (!st.isDirectory() && pending.some((p) => p !== '' && p !== '.')) {
        throw invalidArgument(`${inContainer(parts)} is not a directory`);
      }
      continue;
    }
    if (++links > MAX_SYMLINKS) throw invalidArgument(`${inContainer(parts)}: too many levels of symbolic links`);
    const target = readlinkSync(full);
    parts.pop();
    if (target.startsWith('/')) parts.length = 0;
    const targetParts = target.split('/');
    for (let i = targetParts.length - 1; i >= 0; i--) pending.push(targetParts[i] as string);
  }
  return abs();
}

/** The in-root path of resolved components, for messages. */
function inContainer(parts: string[]): string {
  return `/${parts.join('/')}`;
}
