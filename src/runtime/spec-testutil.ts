import { ALL_CAPABILITIES } from './capabilities.js';
import type { HostInfo } from './host.js';
import type { CgroupLayout } from './host-parse.js';

/**
 * A made-up host for unit tests: hybrid cgroups like this kind of machine, 4 CPUs, a
 * bounding set without CAP_SYS_RESOURCE, NOFILE 1024/4096. Test support only.
 */
export function fakeHost(overrides: { layout?: CgroupLayout; swapAccounting?: boolean; bounding?: string[]; kernel?: [number, number] } = {}): HostInfo {
  const layout = overrides.layout ?? 'hybrid';
  return {
    kernel: { release: '6.1.0', version: overrides.kernel ?? [6, 1] },
    arch: 'x64',
    cpus: 4,
    cgroup: {
      layout,
      v1: layout === 'v2' ? [] : [{ mountpoint: '/sys/fs/cgroup/memory', controllers: ['memory'] }],
      ...(layout === 'v1' ? {} : { unifiedMountpoint: layout === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified' }),
      v2Controllers: layout === 'v2' ? ['cpu', 'memory', 'pids'] : [],
      swapAccounting: overrides.swapAccounting ?? true,
    },
    runtimes: {
      runc: { name: 'runc', path: '/usr/sbin/runc', version: '1.1.5', versionOutput: 'runc version 1.1.5' },
      crun: { name: 'crun', path: '/usr/bin/crun', version: '1.8.1', versionOutput: 'crun version 1.8.1' },
    },
    capabilityBounding: overrides.bounding ?? ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'),
    rlimits: { RLIMIT_NOFILE: { soft: 1024n, hard: 4096n } },
    tools: { unshare: '/usr/bin/unshare', sh: '/bin/sh' },
    features: { seccomp: true, userNamespaces: true, apparmor: false },
  };
}
