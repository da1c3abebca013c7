import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { detectHost } from '../../src/runtime/index.js';

/** A cgroup parent no other test or daemon uses: `/<prefix>-<pid>-<random>`. */
export function privateCgroupParent(prefix: string): string {
  return `/${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

/** Removes a (by then empty) cgroup parent from every hierarchy; missing ones are fine. */
export async function removeCgroupParent(parent: string): Promise<void> {
  const host = await detectHost();
  const dirs = host.cgroup.v1.map((h) => path.join(h.mountpoint, parent));
  if (host.cgroup.unifiedMountpoint !== undefined) dirs.push(path.join(host.cgroup.unifiedMountpoint, parent));
  for (const dir of dirs) await rmdir(dir).catch(() => undefined);
}
