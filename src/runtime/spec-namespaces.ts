import path from 'node:path';
import { invalidArgument } from '../lib/index.js';
import type { CgroupLayout } from './host-parse.js';
import type { ContainerSpecInput, NamespaceMode } from './spec-input.js';
import type { NamespaceType, SpecNamespace } from './spec-types.js';

type Namespaces = NonNullable<ContainerSpecInput['namespaces']>;

function entry(type: NamespaceType, mode: NamespaceMode | undefined, field: string): SpecNamespace[] {
  if (mode === undefined || mode === 'private') return [{ type }];
  if (mode === 'host') return [];
  if (typeof mode === 'object' && mode !== null && typeof mode.path === 'string' && path.posix.isAbsolute(mode.path)) {
    return [{ type, path: mode.path }];
  }
  throw invalidArgument(`namespaces.${field}: must be "private", "host" or { path: "/absolute/path" }, got ${JSON.stringify(mode)}`);
}

/** linux.namespaces: a new mount namespace always; pid, network, ipc, uts as asked (private by default); cgroup private by default on v2 only. */
export function buildNamespaces(ns: Namespaces, layout: CgroupLayout): SpecNamespace[] {
  const cgroup = ns.cgroup ?? (layout === 'v2' ? 'private' : 'host');
  if (cgroup !== 'private' && cgroup !== 'host') throw invalidArgument(`namespaces.cgroup: must be "private" or "host", got ${JSON.stringify(cgroup)}`);
  return [
    ...entry('pid', ns.pid, 'pid'),
    ...entry('network', ns.network, 'network'),
    ...entry('ipc', ns.ipc, 'ipc'),
    ...entry('uts', ns.uts, 'uts'),
    { type: 'mount' },
    ...(cgroup === 'private' ? [{ type: 'cgroup' as const }] : []),
  ];
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/**
 * Only sysctls that live in a namespace the container owns may be set: IPC ones
 * (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) with a private IPC namespace,
 * net.* with a private network namespace, kernel.domainname with a private UTS one.
 * Anything else would change the host.
 */
export function checkSysctls(sysctl: Record<string, string>, ns: Namespaces): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(sysctl)) {
    if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_*-]+)+$/.test(key)) throw invalidArgument(`sysctl: bad name ${JSON.stringify(key)}`);
    if (typeof val !== 'string') throw invalidArgument(`sysctl ${key}: value must be a string`);
    let owner: keyof Namespaces;
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) owner = 'ipc';
    else if (key.startsWith('net.')) owner = 'network';
    else if (key === 'kernel.domainname') owner = 'uts';
    else throw invalidArgument(`sysctl ${key}: not allowed in a container (not namespaced)`);
    if (ns[owner] === 'host') throw invalidArgument(`sysctl ${key}: not allowed with the host's ${owner} namespace`);
    out[key] = val;
  }
  return out;
}
