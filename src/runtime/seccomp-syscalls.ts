/**
 * The syscalls berth's default seccomp profile lets a container make, by theme. This is
 * the surface ordinary programs use; what is left out either needs a capability the
 * default set does not grant (see CAPABILITY_SYSCALLS) or reaches kernel state that is
 * not namespaced (keyrings, kernel modules, clocks, swap, reboot, kexec, …).
 *
 * Names a given libseccomp does not know are skipped by runc and crun, so one list can
 * cover 32- and 64-bit ABIs (`chown32`, `fstat64`, `_llseek`, …).
 */

const files = [
  'access', 'faccessat', 'faccessat2', 'open', 'openat', 'openat2', 'creat', 'close', 'close_range',
  'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
  'lseek', '_llseek', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'flock', 'ioctl',
  'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx',
  'statfs', 'statfs64', 'fstatfs', 'fstatfs64',
  'truncate', 'truncate64', 'ftruncate', 'ftruncate64', 'fallocate', 'fadvise64', 'fadvise64_64', 'readahead',
  'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range',
  'sendfile', 'sendfile64', 'copy_file_range', 'splice', 'tee', 'vmsplice',
  'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir',
  'mkdir', 'mkdirat', 'rmdir', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat',
  'unlink', 'unlinkat', 'readlink', 'readlinkat', 'mknod', 'mknodat', 'umask',
  'chmod', 'fchmod', 'fchmodat', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32',
  'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  'getxattr', 'lgetxattr', 'fgetxattr', 'setxattr', 'lsetxattr', 'fsetxattr',
  'listxattr', 'llistxattr', 'flistxattr', 'removexattr', 'lremovexattr', 'fremovexattr',
  'name_to_handle_at', 'memfd_create', 'memfd_secret',
  'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
  // io_uring is left out, as in Docker 25+ and containerd 2.0: the operations a ring runs
  // are never seen by seccomp, and the interface has been a steady source of kernel exploits.
  'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
];

const polling = [
  'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2',
  'eventfd', 'eventfd2', 'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_settime', 'timerfd_settime64',
  'timerfd_gettime', 'timerfd_gettime64', 'pipe', 'pipe2',
];

const memory = [
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
  'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'membarrier',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect',
];

const processes = [
  'execve', 'execveat', 'fork', 'vfork', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid',
  'getpid', 'getppid', 'gettid', 'getpgid', 'setpgid', 'getpgrp', 'getsid', 'setsid',
  'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
  'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
  'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
  'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setgroups', 'setgroups32',
  'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32', 'capget', 'capset', 'prctl',
  'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'times',
  'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set',
  'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr',
  'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler',
  'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'sched_rr_get_interval_time64',
  'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'restart_syscall',
  'futex', 'futex_time64', 'futex_waitv', 'get_thread_area', 'set_thread_area',
  'getcpu', 'getrandom', 'uname', 'sysinfo', 'seccomp', 'pidfd_open', 'pidfd_send_signal', 'process_mrelease',
  'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
];

const signals = [
  'kill', 'tkill', 'tgkill', 'pause', 'alarm', 'sigaltstack', 'sigreturn', 'sigprocmask',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo',
];

const time = [
  'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64',
  'clock_nanosleep', 'clock_nanosleep_time64', 'nanosleep', 'getitimer', 'setitimer',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  // Reading the clock's tuning is harmless; changing it needs CAP_SYS_TIME, which the kernel checks.
  'adjtimex', 'clock_adjtime', 'clock_adjtime64',
];

const network = [
  'socketpair', 'socketcall', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown',
  'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
  'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'recvmmsg_time64',
];

const ipc = [
  'ipc', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl',
  'shmget', 'shmat', 'shmdt', 'shmctl',
  'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64', 'mq_timedreceive', 'mq_timedreceive_time64',
  'mq_notify', 'mq_getsetattr',
];

export const ALWAYS_ALLOWED: readonly string[] = [...files, ...polling, ...memory, ...processes, ...signals, ...time, ...network, ...ipc];

/** Syscalls that only make sense with a capability: allowed when the container holds it. */
export const CAPABILITY_SYSCALLS: Readonly<Record<string, readonly string[]>> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
    'unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd',
    'fanotify_init', 'lookup_dcookie', 'bpf', 'perf_event_open', 'syslog',
  ],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'ptrace', 'process_vm_readv', 'process_vm_writev'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/**
 * Since Linux 4.8 seccomp is re-checked after a tracer changes a syscall, so ptrace can
 * no longer be used to escape the filter: from then on a container may trace its own
 * processes (within its pid namespace) without CAP_SYS_PTRACE.
 */
export const PTRACE_SYSCALLS: readonly string[] = ['ptrace', 'process_vm_readv', 'process_vm_writev'];
export const PTRACE_SAFE_KERNEL: readonly [number, number] = [4, 8];

/** libseccomp architecture names a profile covers, and that ABI family's own syscalls, by Node's arch name. */
export const ARCHITECTURES: Readonly<Record<string, { arches: readonly string[]; syscalls: readonly string[] }>> = {
  x64: { arches: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: ['arch_prctl', 'modify_ldt'] },
  ia32: { arches: ['SCMP_ARCH_X86'], syscalls: ['modify_ldt'] },
  arm64: {
    arches: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  },
  arm: {
    arches: ['SCMP_ARCH_ARM'],
    syscalls: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  },
};
