import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes allocated on disk under `dir` (like `du -s`): each inode counted once. */
export async function diskUsage(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0n;
  const pending = [dir];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const stats = await lstat(path, { bigint: true });
    const inode = `${stats.dev}:${stats.ino}`;
    if (seen.has(inode)) continue;
    seen.add(inode);
    total += stats.blocks * 512n;
    if (stats.isDirectory()) for (const name of await readdir(path)) pending.push(join(path, name));
  }
  return Number(total);
}
