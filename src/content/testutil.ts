import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ContentStore } from './index.js';

/** A fresh directory removed when the test ends. Test support only. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-content-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A ContentStore in a fresh root, closed and removed when the test ends. */
export async function tempContent(t: TestContext): Promise<{ root: string; content: ContentStore }> {
  const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
  const content = await ContentStore.open(root);
  t.after(async () => {
    await content.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, content };
}

/** Lets other pending promise chains and I/O callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
