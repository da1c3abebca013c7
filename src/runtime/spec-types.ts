/**
 * The parts of the OCI runtime-spec (config.json, version 1.0.x) that berth writes.
 * Field names follow the specification exactly, so an object of these types can be
 * serialised as is (see `specToJson` for the one wrinkle: 64-bit rlimits).
 */

export interface RuntimeSpec {
  ociVersion: string;
  process: SpecProcess;
  root: SpecRoot;
  hostname?: string;
  mounts: SpecMount[];
  linux: SpecLinux;
  annotations?: Record<string, string>;
}

export interface SpecProcess {
  terminal?: boolean;
  user: SpecUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: SpecCapabilities;
  rlimits?: SpecRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
}

export interface SpecUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface SpecCapabilities {
  bounding: string[];
  effective: string[];
  inheritable: string[];
  permitted: string[];
  ambient: string[];
}

/** `hard` and `soft` are uint64 in the spec; RLIM_INFINITY does not fit a JS number. */
export interface SpecRlimit {
  type: string;
  hard: bigint;
  soft: bigint;
}

export interface SpecRoot {
  path: string;
  readonly?: boolean;
}

export interface SpecMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface SpecNamespace {
  type: NamespaceType;
  path?: string;
}

export interface SpecLinux {
  namespaces: SpecNamespace[];
  resources?: SpecResources;
  cgroupsPath?: string;
  sysctl?: Record<string, string>;
  seccomp?: SpecSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
}

export interface SpecResources {
  devices?: SpecDeviceRule[];
  memory?: SpecMemory;
  cpu?: SpecCpu;
  pids?: SpecPids;
}

export interface SpecDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface SpecMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  swappiness?: number;
}

export interface SpecCpu {
  shares?: number;
  quota?: number;
  period?: number;
  cpus?: string;
  mems?: string;
}

export interface SpecPids {
  limit: number;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SpecSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: SpecSyscallRule[];
}

export interface SpecSyscallRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SpecSeccompArg[];
}

export interface SpecSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}
