import fs from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from './berth.js';

/**
 * podman with private storage under `dir` (vfs: no mounts to clean up), so tests never
 * touch the machine's own images.
 */
export function podman(dir: string): (args: string[]) => Promise<RunResult> {
  const base = [
    '--root', path.join(dir, 'storage'),
    '--runroot', path.join(dir, 'run'),
    '--storage-driver', 'vfs',
    '--events-backend', 'file',
    '--cgroup-manager', 'cgroupfs',
  ];
  fs.mkdirSync(dir, { recursive: true });
  return (args) => run('podman', [...base, ...args]);
}
