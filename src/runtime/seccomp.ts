import { failedPrecondition, invalidArgument } from '../lib/index.js';
import {
  ALWAYS_ALLOWED,
  ARCHITECTURES,
  CAPABILITY_SYSCALLS,
  PTRACE_SAFE_KERNEL,
  PTRACE_SYSCALLS,
} from './seccomp-syscalls.js';
import type { SpecSeccomp, SpecSyscallRule } from './spec-types.js';

/** `default`: berth's profile; `unconfined`: no filter; or a whole profile of the caller's. */
export type SeccompMode = 'default' | 'unconfined' | SpecSeccomp;

/** What the profile depends on: the CPU architecture, the kernel version and whether it has seccomp at all. */
export interface SeccompHost {
  arch: string;
  kernel: { version: [number, number] };
  features?: { seccomp: boolean };
}

const EPERM = 1;
const ENOSYS = 38;

/** personality(2) personas a container may switch to; anything else (e.g. READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE) is refused. */
const PER_LINUX = 0x0000;
const PER_LINUX32 = 0x0008;
const UNAME26 = 0x0020000;
const PERSONALITY_QUERY = 0xffffffff;
const ALLOWED_PERSONAS = [PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, PERSONALITY_QUERY];

/** clone(2) flags that make namespaces: without CAP_SYS_ADMIN clone is allowed only without them. */
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

/** AF_VSOCK reaches the hypervisor's host side; a container has no business there. */
const AF_VSOCK = 40;

function atLeast(have: [number, number], want: readonly [number, number]): boolean {
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

/**
 * berth's default profile for a container holding `capabilities`: everything not listed
 * fails with EPERM; the common syscall surface is allowed; syscalls that need a
 * capability are allowed when the container has it; personality, socket and clone are
 * allowed only with harmless arguments; clone3, whose flags seccomp cannot inspect,
 * answers ENOSYS without CAP_SYS_ADMIN so that libc falls back to clone.
 */
export function defaultSeccompProfile(capabilities: readonly string[], host: SeccompHost): SpecSeccomp {
  const held = new Set(capabilities);
  const arch = ARCHITECTURES[host.arch];
  const allowed = new Set<string>([...ALWAYS_ALLOWED, ...(arch?.syscalls ?? [])]);
  for (const [cap, names] of Object.entries(CAPABILITY_SYSCALLS)) {
    if (held.has(cap)) for (const name of names) allowed.add(name);
  }
  if (atLeast(host.kernel.version, PTRACE_SAFE_KERNEL)) for (const name of PTRACE_SYSCALLS) allowed.add(name);

  // One argument-free rule: the kernel (5.11+) caches these verdicts and skips the filter for
  // them. Argument rules cost a walk past all of them (libseccomp orders them last), so they
  // are kept to the few syscalls whose arguments decide.
  const syscalls: SpecSyscallRule[] = [{ names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' }];
  for (const persona of ALLOWED_PERSONAS) {
    syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: persona, op: 'SCMP_CMP_EQ' }] });
  }
  syscalls.push({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] });
  if (!held.has('CAP_SYS_ADMIN')) {
    syscalls.push({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }

  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    ...(arch === undefined ? {} : { architectures: [...arch.arches] }),
    syscalls,
  };
}

function checkProfile(profile: SpecSeccomp): SpecSeccomp {
  if (typeof profile.defaultAction !== 'string' || !profile.defaultAction.startsWith('SCMP_ACT_')) {
    throw invalidArgument('seccomp: profile needs a defaultAction such as SCMP_ACT_ERRNO');
  }
  for (const rule of profile.syscalls ?? []) {
    if (!Array.isArray(rule.names) || rule.names.length === 0) throw invalidArgument('seccomp: a syscall rule has no names');
  }
  return profile;
}

/**
 * The `linux.seccomp` of a container, or undefined for none: `unconfined` and privileged
 * containers run without a filter (privileged wins over any profile, as in Docker). On a
 * kernel without seccomp the default profile is left out, as Docker does, while an
 * explicit profile is refused.
 */
export function seccompFor(
  mode: SeccompMode | undefined,
  options: { privileged?: boolean; capabilities: readonly string[] },
  host: SeccompHost,
): SpecSeccomp | undefined {
  if (mode === 'unconfined' || options.privileged === true) return undefined;
  const supported = host.features?.seccomp !== false;
  if (mode === undefined || mode === 'default') return supported ? defaultSeccompProfile(options.capabilities, host) : undefined;
  if (typeof mode === 'string') throw invalidArgument(`seccomp: unknown mode ${JSON.stringify(mode)}`);
  if (!supported) throw failedPrecondition('seccomp: this kernel has no seccomp support; a profile cannot be applied');
  return checkProfile(mode);
}
