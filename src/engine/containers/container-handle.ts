import { conflict, isNotFound } from '../../lib/index.js';
import { DEFAULT_PATH } from '../../runtime/index.js';
import { cgroupPathsOf } from './cgroup-paths.js';
import { execEnv } from './exec-process.js';
import type { ContainerHandle } from './handle.js';
import type { StoredContainer } from './store.js';
import type { ContainerConfig } from './types.js';

/** Where the runtime is and the `--root` its containers' state lives under. */
export interface RuntimeCli {
  path: string;
  root: string;
}

/** Docker's refusals of an operation that needs a running process (exec, top, stats streams). */
export function notRunning(id: string): Error {
  return conflict(`Container ${id} is not running`);
}

/** Docker's checks before an exec: running, not paused, not restarting. */
export function checkExecutable(c: Pick<StoredContainer, 'id' | 'state'>): void {
  switch (c.state.status) {
    case 'running':
      return;
    case 'paused':
      throw conflict(`Container ${c.id} is paused, unpause the container before exec`);
    case 'restarting':
      throw conflict(`Container ${c.id} is restarting, wait until the container is running`);
    default:
      throw notRunning(c.id);
  }
}

/**
 * The environment an exec starts from, as Docker's CreateDaemonEnvironment builds it:
 * PATH and HOSTNAME, replaced by the container's own entries where it sets them. HOME
 * is left to the runtime, which sets it from the exec user's passwd entry.
 */
export function containerEnv(config: Pick<ContainerConfig, 'env' | 'hostname'>): string[] {
  return execEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${config.hostname}`], config.env, false);
}

/**
 * The handle the tools (exec, stats, top) take, for a container whose process runs:
 * its pid and cgroups from the host's /proc; a pid that is gone means it stopped.
 */
export async function containerHandle(
  c: Pick<StoredContainer, 'id' | 'state' | 'config'>,
  where: { runtime: RuntimeCli; rootfsPath: string; bundlePath: string },
): Promise<ContainerHandle> {
  if (c.state.pid <= 0) throw notRunning(c.id);
  let cgroupPaths: ContainerHandle['cgroupPaths'];
  try {
    cgroupPaths = await cgroupPathsOf(c.state.pid);
  } catch (err) {
    if (isNotFound(err)) throw notRunning(c.id);
    throw err;
  }
  return {
    id: c.id,
    runtimeRoot: where.runtime.root,
    runtimePath: where.runtime.path,
    pid: c.state.pid,
    rootfsPath: where.rootfsPath,
    cgroupPaths,
    env: containerEnv(c.config),
    user: c.config.user,
    workingDir: c.config.workingDir,
    bundlePath: where.bundlePath,
  };
}
