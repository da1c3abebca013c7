import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { Engine } from '../../src/engine/index.js';
import { mountsUnder } from '../../src/layers/index.js';
import { execText } from './berth.js';
import { removeCgroupParent } from './cgroups.js';

/**
 * The end of a test file that drove an engine on a temp root: its containers removed, the
 * engine closed, no mount left under `dir` (asserted, after unmounting them), the cgroup
 * parent and the temp dir removed — the last two also when the assertion fails.
 */
export async function closeTestEngine(engine: Engine | undefined, dir: string, cgroupParent: string): Promise<void> {
  try {
    if (engine !== undefined) {
      for (const c of await engine.containers.list({ all: true }).catch(() => [])) await engine.containers.remove(c.id, { force: true }).catch(() => undefined);
      await engine.close();
    }
    const left = await mountsUnder(dir);
    for (const m of left) await execText('umount', ['-l', m]).catch(() => undefined);
    assert.deepEqual(left, [], 'mounts left under the temp root');
  } finally {
    await removeCgroupParent(cgroupParent);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }
}
