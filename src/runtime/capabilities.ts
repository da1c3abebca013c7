import { failedPrecondition, invalidArgument } from '../lib/index.js';

/**
 * Linux capabilities by bit number (linux/capability.h). Names carry the `CAP_` prefix,
 * as the OCI runtime-spec writes them.
 */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE', // 40
];

/** What a container gets when nothing is added or dropped: Docker's default set. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const bitOf = new Map(ALL_CAPABILITIES.map((name, bit) => [name, bit]));

/** `net_admin`, `CAP_NET_ADMIN`, `Net_Admin` → `CAP_NET_ADMIN`; `all` → `ALL`; unknown names are refused. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!bitOf.has(full)) throw invalidArgument(`unknown capability: ${JSON.stringify(name)}`);
  return full;
}

/** Capability names for the bits set in a mask such as /proc/self/status's CapBnd (hex). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The mask (as /proc/<pid>/status prints it: 16 hex digits) of a set of capability names. */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(bitOf.get(normalizeCapability(name)) ?? 0);
  return mask.toString(16).padStart(16, '0');
}

export interface CapabilityRequest {
  add?: readonly string[];
  drop?: readonly string[];
  privileged?: boolean;
}

/** What `capabilitySet` needs to know of the host: the daemon's capability bounding set. */
export interface CapabilityHost {
  capabilityBounding: readonly string[];
}

/**
 * The capability set of a container, Docker's way: privileged or `add: ALL` means every
 * capability (less the drops), `drop: ALL` means only the adds, otherwise the default set
 * less the drops plus the adds (an add wins over a drop of the same name).
 *
 * A container can never hold what the daemon's bounding set lacks (capset would fail), so
 * the result is cut down to the host's set; naming such a capability explicitly in `add`
 * is refused instead, since the caller asked for something this host cannot give.
 * The result is ordered by bit number.
 */
export function capabilitySet(request: CapabilityRequest, host: CapabilityHost): string[] {
  const add = (request.add ?? []).map(normalizeCapability);
  const drop = (request.drop ?? []).map(normalizeCapability);
  const hostSet = new Set(host.capabilityBounding);

  let wanted: Set<string>;
  if (request.privileged === true || add.includes('ALL')) {
    wanted = new Set(request.privileged === true ? ALL_CAPABILITIES : ALL_CAPABILITIES.filter((c) => !drop.includes(c)));
  } else if (drop.includes('ALL')) {
    wanted = new Set(add);
  } else {
    wanted = new Set([...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add]);
  }

  if (request.privileged !== true) {
    const missing = add.filter((c) => c !== 'ALL' && !hostSet.has(c));
    if (missing.length > 0) {
      throw failedPrecondition(`capability ${missing.join(', ')} is not in this host's bounding set`);
    }
  }
  return ALL_CAPABILITIES.filter((c) => wanted.has(c) && hostSet.has(c));
}
