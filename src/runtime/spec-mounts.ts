import path from 'node:path';
import { invalidArgument } from '../lib/index.js';
import type { CgroupLayout } from './host-parse.js';
import type { MountInput, Propagation } from './spec-input.js';
import type { SpecMount } from './spec-types.js';

export interface DefaultMountOptions {
  privileged: boolean;
  cgroupLayout: CgroupLayout;
  shmSize: number;
  /** The container shares the host's IPC namespace: /dev/shm and /dev/mqueue are the host's. */
  hostIpc: boolean;
}

/** The filesystems every container gets, Docker's set: /proc, /dev, /dev/pts, /sys, cgroups, mqueue, shm. */
export function defaultMounts(o: DefaultMountOptions): SpecMount[] {
  const sysAccess = o.privileged ? 'rw' : 'ro';
  const cgroup: SpecMount =
    o.cgroupLayout === 'v2'
      ? { destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: ['nosuid', 'noexec', 'nodev', 'relatime', sysAccess] }
      : { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', sysAccess] };
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', sysAccess] },
    cgroup,
    o.hostIpc
      ? { destination: '/dev/mqueue', type: 'bind', source: '/dev/mqueue', options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev'] }
      : { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    o.hostIpc
      ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${o.shmSize}`] },
  ];
}

const PROPAGATIONS: readonly Propagation[] = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** Pairs of options where the later one given wins: `exec` cancels a default `noexec`. */
const OPPOSITES: Record<string, string> = {
  exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev', ro: 'rw', rw: 'ro',
};

function mergeOptions(defaults: readonly string[], extra: readonly string[]): string[] {
  const out = [...defaults];
  for (const opt of extra) {
    const key = opt.split('=')[0] ?? opt;
    const drop = (o: string): boolean => o === OPPOSITES[opt] || o === opt || (opt.includes('=') && o.startsWith(`${key}=`));
    for (let i = out.length - 1; i >= 0; i--) if (drop(out[i]!)) out.splice(i, 1);
    out.push(opt);
  }
  return out;
}

function checkDestination(where: string, field: string): string {
  if (typeof where !== 'string' || !path.posix.isAbsolute(where)) throw invalidArgument(`${field}: mount destination must be an absolute path, got ${JSON.stringify(where)}`);
  const clean = path.posix.normalize(where).replace(/\/+$/, '');
  if (clean === '') throw invalidArgument(`${field}: cannot mount over the container's root`);
  return clean;
}

function userMount(m: MountInput, field: string): SpecMount {
  const destination = checkDestination(m.destination, field);
  if (m.type === 'bind') {
    if (typeof m.source !== 'string' || !path.posix.isAbsolute(m.source)) {
      throw invalidArgument(`${field}: bind source must be an absolute path, got ${JSON.stringify(m.source)}`);
    }
    const propagation = m.propagation ?? 'rprivate';
    if (!PROPAGATIONS.includes(propagation)) throw invalidArgument(`${field}: unknown propagation ${JSON.stringify(propagation)}`);
    return {
      destination,
      type: 'bind',
      source: m.source,
      options: [m.recursive === false ? 'bind' : 'rbind', m.readonly === true ? 'ro' : 'rw', propagation],
    };
  }
  if (m.type === 'tmpfs') {
    const opts: string[] = [];
    if (m.size !== undefined) {
      if (!Number.isSafeInteger(m.size) || m.size <= 0) throw invalidArgument(`${field}: tmpfs size must be a positive number of bytes`);
      opts.push(`size=${m.size}`);
    }
    if (m.mode !== undefined) {
      if (!Number.isInteger(m.mode) || m.mode < 0 || m.mode > 0o7777) throw invalidArgument(`${field}: tmpfs mode must be between 0 and 07777`);
      opts.push(`mode=${m.mode.toString(8).padStart(4, '0')}`);
    }
    if (m.readonly === true) opts.push('ro');
    for (const o of m.options ?? []) {
      if (typeof o !== 'string' || o === '' || o.includes(',')) throw invalidArgument(`${field}: bad tmpfs option ${JSON.stringify(o)}`);
    }
    return { destination, type: 'tmpfs', source: 'tmpfs', options: mergeOptions(['nosuid', 'nodev', 'noexec'], [...opts, ...(m.options ?? [])]) };
  }
  throw invalidArgument(`${field}: unknown mount type ${JSON.stringify((m as { type?: unknown }).type)}`);
}

const depth = (p: string): number => p.split('/').filter((s) => s !== '').length;

/**
 * The container's mounts: the defaults, then the user's (one of the user's at the same
 * destination replaces a default), ordered so a parent is mounted before what lies in it.
 */
export function buildMounts(defaults: readonly SpecMount[], user: readonly MountInput[]): SpecMount[] {
  const mine = user.map((m, i) => userMount(m, `mounts[${i}]`));
  const seen = new Set<string>();
  for (const [i, m] of mine.entries()) {
    if (seen.has(m.destination)) throw invalidArgument(`mounts[${i}]: duplicate mount point ${m.destination}`);
    seen.add(m.destination);
  }
  const all = [...defaults.filter((d) => !seen.has(d.destination)), ...mine];
  return all.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map(({ m }) => m);
}

/** rootfs propagation the user's bind mounts need: shared ones need a shared root, slave ones a slave root. */
export function rootfsPropagationFor(mounts: readonly MountInput[]): string | undefined {
  const props = mounts.flatMap((m) => (m.type === 'bind' && m.propagation !== undefined ? [m.propagation] : []));
  if (props.some((p) => p === 'shared' || p === 'rshared')) return 'rshared';
  if (props.some((p) => p === 'slave' || p === 'rslave')) return 'rslave';
  return undefined;
}
