/*
 * A process that creates and removes volumes is SIGKILLed mid-way, several times; each
 * time, reopening the volume service must find every volume whole (a row and its _data
 * directory) and nothing half-made: no directory without a row, no staging leftovers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Metadata } from '../../src/content/index.js';
import { LocalVolumeService } from '../../src/engine/volumes/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-volcrash-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const volumesModule = fileURLToPath(new URL('../../src/engine/volumes/index.js', import.meta.url));
const contentModule = fileURLToPath(new URL('../../src/content/index.js', import.meta.url));

/** Creates and removes volumes as fast as it can until killed; prints a line once under way. */
const churn = `
  const { Metadata } = await import(${JSON.stringify(contentModule)});
  const { LocalVolumeService } = await import(${JSON.stringify(volumesModule)});
  const root = process.argv[1];
  const volumes = await LocalVolumeService.open(root, Metadata.open(root + '/metadata.db'));
  let i = 0;
  for (;;) {
    const v = await volumes.create({ name: 'churn-' + (i++), labels: { n: String(i) } });
    if (i === 5) process.stdout.write('going\\n');
    if (i % 3 === 0) await volumes.remove(v.name);
    if (i % 7 === 0) await volumes.create();
  }
`;

async function killMidway(root: string, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', churn, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error(`the churn exited early: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill('SIGKILL');
  await exited;
}

test('killed mid-create or mid-remove, the volumes reopen whole, with nothing half-made', async () => {
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  for (const ms of [0, 7, 23, 61, 150]) {
    await killMidway(root, ms);
    const metadata = Metadata.open(path.join(root, 'metadata.db'));
    try {
      const volumes = await LocalVolumeService.open(root, metadata);
      const names = (await volumes.list()).map((v) => v.name).sort();
      assert.ok(names.length > 0);
      assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')).sort(), names, `after a kill at ${ms} ms: directories and rows agree`);
      for (const name of names) assert.ok(fs.statSync(path.join(root, 'volumes', name, '_data')).isDirectory(), name);
    } finally {
      metadata.close();
    }
  }
});
