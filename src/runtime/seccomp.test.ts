import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { defaultSeccompProfile, seccompFor } from './seccomp.js';
import { ALWAYS_ALLOWED } from './seccomp-syscalls.js';
import type { SpecSeccomp } from './spec-types.js';

const host = { arch: 'x64', kernel: { version: [6, 1] as [number, number] } };

function allowed(p: SpecSeccomp): Set<string> {
  return new Set((p.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined).flatMap((r) => r.names));
}

test('default profile: EPERM by default, x86 family arches, ordinary syscalls allowed', () => {
  const p = defaultSeccompProfile(DEFAULT_CAPABILITIES, host);
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const ok = allowed(p);
  for (const name of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'epoll_wait', 'chroot', 'arch_prctl', 'setuid', 'wait4']) {
    assert.ok(ok.has(name), name);
  }
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'reboot', 'init_module', 'kexec_load', 'keyctl', 'add_key', 'swapon', 'bpf', 'clock_settime', 'open_by_handle_at', 'personality', 'clone', 'clone3', 'socket', 'io_uring_setup', 'io_uring_enter', 'io_uring_register']) {
    assert.ok(!ok.has(name), name);
  }
  assert.equal(new Set(p.syscalls?.[0]?.names).size, p.syscalls?.[0]?.names.length, 'no duplicate names');
});

test('capability-gated syscalls follow the capability set', () => {
  const admin = allowed(defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], host));
  for (const name of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'sethostname']) assert.ok(admin.has(name), name);
  const noChroot = allowed(defaultSeccompProfile(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT'), host));
  assert.ok(!noChroot.has('chroot'));
  const ptrace = allowed(defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_PTRACE'], host));
  assert.ok(ptrace.has('kcmp') && ptrace.has('pidfd_getfd'));
  assert.ok(allowed(defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_TIME'], host)).has('clock_settime'));
});

test('ptrace is allowed from kernel 4.8 on (seccomp re-checks after tracer changes), only with CAP_SYS_PTRACE before', () => {
  assert.ok(allowed(defaultSeccompProfile(DEFAULT_CAPABILITIES, host)).has('ptrace'));
  const old = { arch: 'x64', kernel: { version: [4, 4] as [number, number] } };
  assert.ok(!allowed(defaultSeccompProfile(DEFAULT_CAPABILITIES, old)).has('ptrace'));
  assert.ok(allowed(defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_PTRACE'], old)).has('ptrace'));
});

test('personality, socket and clone are allowed only with safe arguments', () => {
  const p = defaultSeccompProfile(DEFAULT_CAPABILITIES, host);
  const rules = p.syscalls ?? [];
  const personas = rules.filter((r) => r.names.includes('personality')).map((r) => r.args?.[0]);
  assert.deepEqual(
    personas.map((a) => [a?.op, a?.value]),
    [0, 8, 0x20000, 0x20008, 0xffffffff].map((v) => ['SCMP_CMP_EQ', v]),
  );
  const socket = rules.find((r) => r.names.includes('socket'));
  assert.deepEqual(socket?.args, [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }]);
  const clone = rules.find((r) => r.names.includes('clone'));
  assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  const clone3 = rules.find((r) => r.names.includes('clone3'));
  assert.deepEqual(clone3, { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  // with CAP_SYS_ADMIN clone is plainly allowed and the restricted rules are gone
  const admin = defaultSeccompProfile(['CAP_SYS_ADMIN'], host).syscalls ?? [];
  assert.ok(!admin.some((r) => r.args !== undefined && r.names.includes('clone')));
  assert.ok(!admin.some((r) => r.action === 'SCMP_ACT_ERRNO'));
});

// Linux 5.11+ keeps, per filter, a bitmap of the syscalls whose verdict does not depend on
// their arguments and never runs the filter for them. libseccomp (as runc uses it) checks
// argument rules only after every plain one, ~300 BPF instructions into the program: each
// syscall moved into an argument rule would pay that on every call. So the plain syscalls
// stay in one argument-free rule, and argument rules stay Docker's three.
test('cost: plain syscalls in one argument-free ALLOW rule; argument rules only for personality, socket and clone', () => {
  for (const caps of [DEFAULT_CAPABILITIES, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], []]) {
    const p = defaultSeccompProfile(caps, host);
    const rules = p.syscalls ?? [];
    const plain = rules.filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined);
    assert.equal(plain.length, 1, 'one unconditional ALLOW rule');
    const plainNames = new Set(plain[0]?.names);
    for (const name of ALWAYS_ALLOWED) assert.ok(plainNames.has(name), `${name} is allowed whatever its arguments`);
    const filtered = new Set(rules.filter((r) => r.args !== undefined).flatMap((r) => r.names));
    const expected = caps.includes('CAP_SYS_ADMIN') ? ['personality', 'socket'] : ['clone', 'personality', 'socket'];
    assert.deepEqual([...filtered].sort(), expected);
    for (const name of filtered) assert.ok(!plainNames.has(name), `${name} is in one kind of rule only`);
    assert.ok(rules.every((r) => r.action === 'SCMP_ACT_ALLOW' || r.action === 'SCMP_ACT_ERRNO'), 'no logging, tracing or notifying rule');
    assert.equal(p.flags, undefined);
    assert.equal(p.architectures?.length, 3, 'x86_64 and its two compat ABIs, no foreign ones');
  }
});

test('architectures follow the host: aarch64 gets its ABI and arm syscalls', () => {
  const p = defaultSeccompProfile(DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: host.kernel });
  assert.deepEqual(p.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const ok = allowed(p);
  assert.ok(ok.has('set_tls') && !ok.has('arch_prctl'));
  assert.equal(defaultSeccompProfile(DEFAULT_CAPABILITIES, { arch: 'mips', kernel: host.kernel }).architectures, undefined);
});

test('seccompFor: unconfined and privileged give no filter; a custom profile passes through, checked', () => {
  const caps = { capabilities: DEFAULT_CAPABILITIES };
  assert.equal(seccompFor('unconfined', caps, host), undefined);
  assert.equal(seccompFor(undefined, { ...caps, privileged: true }, host), undefined);
  assert.equal(seccompFor('default', { ...caps, privileged: true }, host), undefined);
  assert.equal(seccompFor(undefined, caps, host)?.defaultAction, 'SCMP_ACT_ERRNO');
  const custom: SpecSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO' }] };
  assert.equal(seccompFor(custom, caps, host), custom);
  assert.equal(seccompFor(custom, { ...caps, privileged: true }, host), undefined, 'privileged wins, as in Docker');
  assert.throws(() => seccompFor({ defaultAction: 'nope' } as unknown as SpecSeccomp, caps, host), { kind: 'invalid-argument' });
  assert.throws(() => seccompFor('strict' as unknown as 'default', caps, host), { kind: 'invalid-argument' });
  const noSeccomp = { ...host, features: { seccomp: false } };
  assert.equal(seccompFor('default', caps, noSeccomp), undefined, 'no filter on a kernel without seccomp');
  assert.throws(() => seccompFor(custom, caps, noSeccomp), { kind: 'failed-precondition' });
});
