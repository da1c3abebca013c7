import { invalidArgument, failedPrecondition } from '../lib/index.js';
import { runtimeInvocation, type HostInfo, type RuntimeName } from '../runtime/index.js';

const RUNTIMES: readonly RuntimeName[] = ['runc', 'crun'];

/** The OCI runtime the engine runs containers with, as `docker info` reports it. */
export interface RuntimeChoice {
  name: RuntimeName;
  /** The runtime's executable. */
  path: string;
  /** How it is started on this host (a wrapper for crun on hybrid cgroup hosts). */
  command: string[];
  /** Every runtime this host has, by name, with its executable. */
  available: Partial<Record<RuntimeName, string>>;
}

export function isRuntimeName(value: string): value is RuntimeName {
  return (RUNTIMES as readonly string[]).includes(value);
}

/**
 * Picks the runtime: `wanted` when given (refused when unknown or not installed), runc by
 * default. Without an explicit choice and without runc the engine still opens (it serves
 * images) and container starts fail with the driver's error, as before.
 */
export function chooseRuntime(wanted: string | undefined, host: HostInfo): RuntimeChoice {
  const available: Partial<Record<RuntimeName, string>> = {};
  for (const name of RUNTIMES) {
    const info = host.runtimes[name];
    if (info !== undefined) available[name] = info.path;
  }
  if (wanted === undefined) {
    const path = available.runc ?? '/usr/bin/runc';
    return { name: 'runc', path, command: [path], available };
  }
  if (!isRuntimeName(wanted)) {
    throw invalidArgument(`unknown runtime ${JSON.stringify(wanted)}: berth runs containers with ${RUNTIMES.join(' or ')}`);
  }
  const path = available[wanted];
  if (path === undefined) throw failedPrecondition(`runtime ${wanted} is not installed on this host (looked for it on PATH)`);
  return { name: wanted, path, command: runtimeInvocation(wanted, host), available };
}
