/**
 * The little a container's tools (exec, stats, top, archive) need to know of a running
 * container, so that they take this handle rather than the whole service.
 */

/**
 * Where a container's cgroup lives. cgroup v1 (and hybrid hosts, whose controllers are all
 * v1): one directory per controller, keyed by controller name (`memory`, `cpuacct`, `pids`,
 * `name=systemd`…). cgroup v2: the one unified directory. See cgroupPathsOf.
 */
export type CgroupPaths = { version: 1; controllers: Record<string, string> } | { version: 2; dir: string };

export interface ContainerHandle {
  id: string;
  /** The runtime's state directory (`runc --root`). */
  runtimeRoot: string;
  /** The runtime executable, e.g. /usr/sbin/runc. */
  runtimePath: string;
  /**
   * The whole invocation when the runtime needs a wrapper (crun on a hybrid host, see
   * runtimeInvocation in src/runtime); default `[runtimePath]`.
   */
  runtimeCommand?: string[];
  /** Host pid of the container's init process. */
  pid: number;
  /** The mounted root filesystem, as the host sees it. */
  rootfsPath: string;
  cgroupPaths: CgroupPaths;
  /** The container's resolved environment (`KEY=value`). */
  env: string[];
  /** `user[:group]` the container runs as ('' is root). */
  user: string;
  workingDir: string;
  /** The OCI bundle holding config.json; asked of the runtime (`state`) when absent. */
  bundlePath?: string;
}

/** argv prefix that runs the handle's runtime. */
export function runtimeArgv(handle: Pick<ContainerHandle, 'runtimePath' | 'runtimeCommand' | 'runtimeRoot'>): string[] {
  const base = handle.runtimeCommand !== undefined && handle.runtimeCommand.length > 0 ? handle.runtimeCommand : [handle.runtimePath];
  return [...base, '--root', handle.runtimeRoot];
}
