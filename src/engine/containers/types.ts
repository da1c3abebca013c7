import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../../oci/index.js';

/**
 * The engine's container model. It mirrors what Docker users expect (states, restart
 * policies, health) but knows nothing of Docker's JSON shapes: api/docker translates.
 */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure only: give up after this many restarts (0: no limit). */
  maximumRetryCount: number;
}

/** HEALTHCHECK, durations in milliseconds; test `['NONE']` disables the image's check. */
export interface HealthcheckConfig {
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}

export interface ResourceLimits {
  /** Bytes; 0 or absent: unlimited. */
  memory?: number;
  /** Memory + swap in bytes; -1: unlimited swap. */
  memorySwap?: number;
  /** CPUs × 1e9, as Docker's NanoCpus. */
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Maximum number of processes; 0/absent/-1: unlimited. */
  pidsLimit?: number;
}

/** One rlimit as Docker names it: `nofile`, `nproc`, … with soft and hard values (-1: unlimited). */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export type MountPropagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

/** One structured mount as `--mount` gives it (Docker's HostConfig.Mounts entry). */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** A host path (bind), a volume name (volume; absent: anonymous), nothing (tmpfs). */
  source?: string;
  target: string;
  readOnly?: boolean;
  bindOptions?: { propagation?: MountPropagation; nonRecursive?: boolean; createMountpoint?: boolean };
  volumeOptions?: { noCopy?: boolean; labels?: Record<string, string>; driverConfig?: { name?: string; options?: Record<string, string> } };
  /** sizeBytes and mode (permission bits); options: `[["exec"]]` as Docker's. */
  tmpfsOptions?: { sizeBytes?: number; mode?: number; options?: string[][] };
}

/** A mount as the container has it, resolved at create (Docker's MountPoint). */
export interface ContainerMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** The volume's name. */
  name?: string;
  /** Host path: the bind source or the volume's data directory; '' for tmpfs. */
  source: string;
  destination: string;
  driver?: string;
  /** The mode string as given (`ro`, `z`, `rw,rshared`…), as Docker reports it. */
  mode: string;
  rw: boolean;
  /** Bind propagation ('' for volumes and tmpfs). */
  propagation: MountPropagation | '';
  /** An anonymous volume (its own, or another's through `--volumes-from`): `rm -v` and `--rm` remove it unless still in use. */
  anonymous?: boolean;
  /** Bind without its submounts. */
  nonRecursive?: boolean;
  tmpfs?: { size?: number; mode?: number; options?: string[] };
}

/** What a caller asks for; absent fields take the image's defaults. */
export interface ContainerCreateRequest {
  name?: string;
  /** An image reference or ID, resolved at create. */
  image: string;
  /** `[]` or `['']` clears the image's entrypoint, as Docker's `--entrypoint ""`. */
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** `uid[:gid]` or names looked up in the image's /etc/passwd and /etc/group. */
  user?: string;
  hostname?: string;
  tty?: boolean;
  /** Keep stdin open (`-i`). */
  openStdin?: boolean;
  /** Close stdin after the first attach detaches (`docker run -i` sets it). */
  stdinOnce?: boolean;
  labels?: Record<string, string>;
  stopSignal?: string;
  stopTimeoutSeconds?: number;
  healthcheck?: HealthcheckConfig;
  /** Run a tiny init as PID 1 that reaps zombies and forwards signals (`--init`). */
  init?: boolean;
  autoRemove?: boolean;
  restartPolicy?: RestartPolicy;
  resources?: ResourceLimits;
  /** Process rlimits (`--ulimit nofile=1024:2048`): Docker's HostConfig.Ulimits. */
  ulimits?: Ulimit[];
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  readonlyRootfs?: boolean;
  /** `no-new-privileges`, `seccomp=unconfined`, … as `--security-opt`. */
  securityOpt?: string[];
  /**
   * `bridge` (the default network), a user-defined network's name or ID, `host`, `none`
   * (loopback only) or `container:<name|id>` (another container's namespace).
   */
  networkMode?: string;
  /** Per network (name or ID): aliases and a fixed address; more than the mode's network connects to those too. */
  networks?: Record<string, EndpointSettings>;
  /** `80/tcp` → host bindings; a host port of '' or '0' takes a free one. */
  portBindings?: Record<string, Array<{ hostIp?: string; hostPort?: string }>>;
  /** Publish every exposed port on a free host port (`-P`). */
  publishAllPorts?: boolean;
  /** Ports the container exposes besides the image's (`80/tcp`). */
  exposedPorts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `name:ip` lines for /etc/hosts (`--add-host`). */
  extraHosts?: string[];
  /** The container's log starts afresh once it would grow past this many bytes (`--log-opt max-size`). */
  logMaxSize?: number;
  /** `-v` specs: `NAME:/path[:mode]`, `/host:/path[:mode]`, or `/path` for an anonymous volume. */
  binds?: string[];
  mounts?: MountRequest[];
  /** `--tmpfs`: destination → mount options (`size=64m,mode=1777`). */
  tmpfs?: Record<string, string>;
  /** `--volumes-from CONTAINER[:ro|rw]`. */
  volumesFrom?: string[];
  /** Destinations that get an anonymous volume (Docker's Config.Volumes), besides the image's VOLUMEs. */
  volumes?: string[];
}

export interface EndpointSettings {
  aliases?: string[];
  ipv4Address?: string;
}

/** A container's place on one network: its address there while it runs. */
export interface ContainerNetwork {
  networkId: string;
  networkName: string;
  aliases: string[];
  endpoint?: {
    endpointId: string;
    ip: string;
    prefixLength: number;
    gateway: string;
    mac: string;
  };
}

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: Array<{ start: Date; end: Date; exitCode: number; output: string }>;
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  /** Why start failed (runc's message), Docker's State.Error. */
  error: string;
  oomKilled: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  health?: HealthState;
}

/** The resolved process and settings a container runs with (request merged over the image). */
export interface ContainerConfig {
  path: string;
  args: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  labels: Record<string, string>;
  stopSignal: string;
  stopTimeoutSeconds: number;
  healthcheck?: HealthcheckConfig;
  /** As the user asked for them (Docker's Config.Entrypoint / Config.Cmd). */
  entrypoint: string[];
  cmd: string[];
  /** Volumes, binds and tmpfs mounts, resolved at create. */
  mounts?: ContainerMount[];
  /** Destinations given an anonymous volume when nothing else is mounted there: the image's VOLUMEs and the request's (Docker's Config.Volumes). */
  volumes?: string[];
  /** The image's and the request's exposed ports (`80/tcp`). */
  exposedPorts?: string[];
}

export interface ContainerRecord {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  created: Date;
  /** The reference the user gave. */
  image: string;
  imageId: Digest;
  config: ContainerConfig;
  request: ContainerCreateRequest;
  state: ContainerState;
  restartCount: number;
  logPath: string;
  /** Where the root filesystem is mounted while the container runs. */
  rootfsPath: string;
  /** Its exec instances the engine still knows (Docker's ExecIDs); see ExecStore. */
  execIds?: string[];
  /** The network mode as resolved (`bridge`, `host`, `none`, `container:<id>`, a network name). */
  networkMode: string;
  /** The networks it is configured for, with live endpoints while it runs. */
  networks: ContainerNetwork[];
  /** Ports published while it runs, with the host ports chosen. */
  ports: PublishedPort[];
  /** The generated /etc files (Docker's HostsPath, HostnamePath, ResolvConfPath). */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  time: Date;
  /** The line's bytes, with its newline unless the line was partial. */
  data: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  /** Only lines at or after / before these times. */
  since?: Date;
  until?: Date;
  /** The last N lines only. */
  tail?: number;
  stdout?: boolean;
  stderr?: boolean;
}

/** A live connection to a container's stdio (Docker's attach). */
export interface AttachSession {
  /** Output as it happens; ends when the container's process exits. */
  output: AsyncIterable<LogLine>;
  /** Present when the container keeps stdin open; end() closes the container's stdin. */
  stdin?: Writable;
  resize?(width: number, height: number): Promise<void>;
  close(): void;
}

export interface ExecRequest {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  attachStdin?: boolean;
  privileged?: boolean;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  request: ExecRequest;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

export interface ExecSession {
  /** Output chunks as they come (stdout/stderr separated unless tty). */
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>;
  stdin?: Writable;
  resize?(width: number, height: number): Promise<void>;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number>;
}

export interface StatsSample {
  read: Date;
  /** Cumulative CPU time of the container in nanoseconds, and of the host. */
  cpuTotalNs: number;
  systemCpuNs: number;
  onlineCpus: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryCache: number;
  pids: number;
  pidsLimit: number;
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: Date;
  linkTarget: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ContainerEvent {
  /** Container lifecycle, or a container (dis)connected to a network (id: the network's). */
  type: 'container' | 'network';
  action: string;
  id: string;
  attributes: Record<string, string>;
  time: Date;
}

export interface ContainerService {
  create(request: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }>;
  start(idOrName: string): Promise<void>;
  stop(idOrName: string, options?: { timeoutSeconds?: number; signal?: string }): Promise<void>;
  kill(idOrName: string, signal?: string): Promise<void>;
  restart(idOrName: string, options?: { timeoutSeconds?: number }): Promise<void>;
  pause(idOrName: string): Promise<void>;
  unpause(idOrName: string): Promise<void>;
  rename(idOrName: string, newName: string): Promise<void>;
  /** `volumes`: remove its anonymous volumes too (`rm -v`; `--rm` always does). */
  remove(idOrName: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  list(options?: { all?: boolean }): Promise<ContainerRecord[]>;
  /** By full ID, unique ID prefix or name. */
  get(idOrName: string): Promise<ContainerRecord>;
  /** Resolves once the condition holds, with the exit code then. */
  wait(idOrName: string, condition?: WaitCondition): Promise<{ exitCode: number; error?: string }>;
  logs(idOrName: string, options?: LogOptions): AsyncIterable<LogLine>;
  attach(idOrName: string, options: { stdin: boolean }): Promise<AttachSession>;
  resize(idOrName: string, width: number, height: number): Promise<void>;
  createExec(idOrName: string, request: ExecRequest): Promise<string>;
  startExec(execId: string): Promise<ExecSession>;
  getExec(execId: string): Promise<ExecRecord>;
  resizeExec(execId: string, width: number, height: number): Promise<void>;
  stats(idOrName: string): Promise<StatsSample>;
  top(idOrName: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }>;
  statPath(idOrName: string, path: string): Promise<PathStat>;
  getArchive(idOrName: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  putArchive(idOrName: string, path: string, tar: Readable, options?: { noOverwriteDirNonDir?: boolean }): Promise<void>;
  /**
   * Runs `use` with the container's root filesystem (mounted for the call when it does not
   * run), under the container's lock: how a build step writes COPY sources into it.
   */
  withRootfs<T>(idOrName: string, use: (rootfs: string) => Promise<T>): Promise<T>;
  /** A container's changes as an uncompressed layer tar (see commit); a running one is paused meanwhile. */
  changes(idOrName: string): Promise<Readable>;
  /** Attaches to one more network (at once when the container runs, else at its next start). */
  connectNetwork(idOrName: string, network: string, settings?: EndpointSettings): Promise<void>;
  disconnectNetwork(idOrName: string, network: string, options?: { force?: boolean }): Promise<void>;
  /** Lifecycle events (create, start, die, stop, kill, destroy, health_status: …). */
  onEvent(listener: (event: ContainerEvent) => void): () => void;
}
