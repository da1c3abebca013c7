import type { SeccompMode } from './seccomp.js';

/** How a container relates to one kind of namespace: its own, the host's, or one at a path (e.g. a netns under /run/netns). */
export type NamespaceMode = 'private' | 'host' | { path: string };

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

export interface BindMountInput {
  type: 'bind';
  source: string;
  destination: string;
  readonly?: boolean;
  /** Default rprivate, as Docker's. */
  propagation?: Propagation;
  /** Default true (rbind): submounts of the source come along. */
  recursive?: boolean;
}

export interface TmpfsMountInput {
  type: 'tmpfs';
  destination: string;
  /** Bytes; default: the kernel's (half of RAM). */
  size?: number;
  /** Permission bits of the mount's root, e.g. 0o1777. */
  mode?: number;
  readonly?: boolean;
  /** Extra mount options (`exec` undoes the default `noexec`, and so on). */
  options?: string[];
}

export type MountInput = BindMountInput | TmpfsMountInput;

/** `-1` is "unlimited", as in `docker run --ulimit core=-1`. */
export interface RlimitInput {
  /** `nofile`, `NOFILE` or `RLIMIT_NOFILE`. */
  type: string;
  soft: number;
  hard: number;
}

/** Resource limits in Docker's units (bytes, CPU shares, CFS microseconds). 0 means unset. */
export interface ResourcesInput {
  memory?: number;
  memoryReservation?: number;
  /** Memory plus swap, as `docker run --memory-swap`: -1 unlimited, default twice `memory`. */
  memorySwap?: number;
  memorySwappiness?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  /** A number of CPUs (1.5): becomes a CFS quota over a 100 ms period. */
  cpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Processes the container may hold; 0 or negative means unlimited, as Docker's. */
  pidsLimit?: number;
}

/** What berth decides about a container, in terms a user knows from `docker run`. */
export interface ContainerSpecInput {
  /** The root filesystem (a directory or a mounted snapshot). */
  rootfs: string;
  readonlyRootfs?: boolean;
  args: string[];
  /** `KEY=value` entries; PATH gets Docker's default when missing. */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  terminal?: boolean;
  hostname?: string;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  noNewPrivileges?: boolean;
  seccomp?: SeccompMode;
  rlimits?: RlimitInput[];
  oomScoreAdj?: number;
  mounts?: MountInput[];
  /** Size of /dev/shm in bytes; default 64 MiB. */
  shmSize?: number;
  namespaces?: {
    pid?: NamespaceMode;
    network?: NamespaceMode;
    ipc?: NamespaceMode;
    uts?: NamespaceMode;
    /** Default: private on cgroup v2, host otherwise (Docker's default). */
    cgroup?: 'private' | 'host';
  };
  resources?: ResourcesInput;
  /** e.g. `/berth/<id>` (cgroupfs) or `berth.slice:berth:<id>` (systemd). */
  cgroupsPath?: string;
  sysctl?: Record<string, string>;
  annotations?: Record<string, string>;
}
