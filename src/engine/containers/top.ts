import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { failedPrecondition, invalidArgument, isErrno } from '../../lib/index.js';
import { procsDir } from './cgroup-paths.js';
import type { ContainerHandle } from './handle.js';
import { filterPsOutput, psArguments, type ProcessTable } from './top-parse.js';

/**
 * The processes of a container as `ps` shows them (Docker's top): the pids come from the
 * container's cgroup (`cgroup.procs`, which also holds exec'd processes), `ps` runs on the
 * host with the caller's arguments (default `-ef`) and its rows are kept by PID.
 */
export async function top(handle: Pick<ContainerHandle, 'cgroupPaths'>, psArgs?: string): Promise<ProcessTable> {
  const pids = await cgroupPids(handle);
  const output = await runPs(psArguments(psArgs));
  return filterPsOutput(output, pids);
}

/** Every process (thread group) in the container's cgroup. */
export async function cgroupPids(handle: Pick<ContainerHandle, 'cgroupPaths'>): Promise<Set<number>> {
  let text: string;
  try {
    text = await readFile(path.join(procsDir(handle.cgroupPaths), 'cgroup.procs'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENODEV')) throw failedPrecondition('the container is not running', err);
    throw err;
  }
  return new Set(text.split('\n').filter((l) => l !== '').map(Number));
}

function runPs(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(failedPrecondition('ps is not installed on this host', err));
      reject(invalidArgument(`ps ${args.join(' ')} failed: ${stderr.trim() || err.message}`, err));
    });
  });
}
