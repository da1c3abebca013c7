import { invalidArgument } from '../lib/index.js';
import { readEnvFile, resolveEnv } from './env-file.js';
import { parseMountFlag, parseTmpfsFlags, splitVolumeFlags, type MountBody } from './mount-flags.js';
import { parsePortSpecs } from './port-spec.js';
import type { createOptions } from './run-options.js';
import { parseCpus, parseDuration, parseInteger, parseMemory, parseMemorySwap, parseRestartPolicy, type RestartPolicy } from './units.js';

/** The parsed flags of `run`/`create` (everything optional, as parseArgs gives them). */
export type CreateFlags = {
  [K in keyof typeof createOptions]?: (typeof createOptions)[K] extends { multiple: true }
    ? string[]
    : (typeof createOptions)[K] extends { type: 'boolean' }
      ? boolean
      : string;
} & { detach?: boolean };

/** The body of `POST /containers/create` (the fields berth sets). */
export interface CreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: Healthcheck;
  Volumes?: Record<string, object>;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, object> };
}

export interface Healthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

export interface HostConfig {
  AutoRemove?: boolean;
  Memory?: number;
  MemorySwap?: number;
  ShmSize?: number;
  NanoCpus?: number;
  CpuShares?: number;
  PidsLimit?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  RestartPolicy?: RestartPolicy;
  Init?: boolean;
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[];
  GroupAdd?: string[];
  Binds?: string[];
  Mounts?: MountBody[];
  Tmpfs?: Record<string, string>;
  VolumesFrom?: string[];
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  PublishAllPorts?: boolean;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[];
  ConsoleSize?: [number, number];
  LogConfig?: { Type: string; Config: Record<string, string> };
}

export interface CreateRequest {
  name?: string;
  platform?: string;
  body: CreateBody;
}

/** Turns `run`/`create` flags and `IMAGE [COMMAND [ARG…]]` into a create request. */
export function buildCreateRequest(flags: CreateFlags, positionals: string[]): CreateRequest {
  const [image, ...cmd] = positionals;
  if (!image) throw invalidArgument('requires at least 1 argument: IMAGE [COMMAND] [ARG...]');
  const detach = flags.detach === true;
  const interactive = flags.interactive === true;
  if (flags.rm && flags.restart && flags.restart !== 'no') throw invalidArgument('conflicting options: cannot specify both --restart and --rm');
  const attach = attachedStreams(flags.attach, detach, interactive);

  const env = [...(flags['env-file'] ?? []).flatMap(readEnvFile), ...(flags.env ?? []).map((e) => resolveEnv(e))];
  const body: CreateBody = {
    Image: image,
    Tty: flags.tty === true,
    OpenStdin: interactive,
    StdinOnce: interactive && !detach,
    AttachStdin: attach.stdin,
    AttachStdout: attach.stdout,
    AttachStderr: attach.stderr,
    HostConfig: hostConfig(flags),
  };
  if (cmd.length) body.Cmd = cmd;
  if (flags.entrypoint !== undefined) body.Entrypoint = [flags.entrypoint];
  if (env.length) body.Env = env;
  if (flags.label?.length) body.Labels = parseLabels(flags.label);
  if (flags.workdir !== undefined) body.WorkingDir = flags.workdir;
  if (flags.user !== undefined) body.User = flags.user;
  if (flags.hostname !== undefined) body.Hostname = flags.hostname;
  if (flags['stop-signal'] !== undefined) body.StopSignal = flags['stop-signal'];
  if (flags['stop-timeout'] !== undefined) body.StopTimeout = parseInteger('--stop-timeout', flags['stop-timeout']);
  const { volumes } = splitVolumeFlags(flags.volume ?? []);
  if (volumes.length) body.Volumes = Object.fromEntries(volumes.map((v) => [v, {}]));
  const healthcheck = parseHealthcheck(flags);
  if (healthcheck) body.Healthcheck = healthcheck;
  const network = flags.network ?? flags.net;
  const aliases = flags['network-alias'] ?? [];
  if (network !== undefined || aliases.length > 0 || flags.ip !== undefined) {
    const endpoint: { Aliases?: string[]; IPAMConfig?: { IPv4Address: string } } = {};
    if (aliases.length > 0) endpoint.Aliases = aliases;
    if (flags.ip !== undefined) endpoint.IPAMConfig = { IPv4Address: flags.ip };
    body.NetworkingConfig = { EndpointsConfig: { [network ?? 'default']: endpoint } };
  }
  const ports = parsePortSpecs(flags.publish ?? [], flags.expose ?? []);
  if (ports.exposed.length > 0) body.ExposedPorts = Object.fromEntries(ports.exposed.map((p) => [p, {}]));
  const request: CreateRequest = { body };
  if (flags.name !== undefined) request.name = flags.name;
  if (flags.platform !== undefined) request.platform = flags.platform;
  return request;
}

function hostConfig(flags: CreateFlags): HostConfig {
  const host: HostConfig = {};
  if (flags.rm) host.AutoRemove = true;
  if (flags.memory !== undefined) host.Memory = parseMemory(flags.memory);
  if (flags['memory-swap'] !== undefined) host.MemorySwap = parseMemorySwap(flags['memory-swap']);
  if (flags['shm-size'] !== undefined) host.ShmSize = parseMemory(flags['shm-size']);
  if (flags.cpus !== undefined) host.NanoCpus = parseCpus(flags.cpus);
  if (flags['cpu-shares'] !== undefined) host.CpuShares = parseInteger('--cpu-shares', flags['cpu-shares']);
  if (flags['pids-limit'] !== undefined) host.PidsLimit = parseInteger('--pids-limit', flags['pids-limit']);
  if (flags.ulimit?.length) host.Ulimits = flags.ulimit.map(parseUlimit);
  if (flags.restart !== undefined) host.RestartPolicy = parseRestartPolicy(flags.restart);
  if (flags.init) host.Init = true;
  if (flags.privileged) host.Privileged = true;
  if (flags['cap-add']?.length) host.CapAdd = flags['cap-add'];
  if (flags['cap-drop']?.length) host.CapDrop = flags['cap-drop'];
  if (flags['read-only']) host.ReadonlyRootfs = true;
  if (flags['security-opt']?.length) host.SecurityOpt = flags['security-opt'];
  if (flags['group-add']?.length) host.GroupAdd = flags['group-add'];
  const { binds } = splitVolumeFlags(flags.volume ?? []);
  if (binds.length) host.Binds = binds;
  if (flags.mount?.length) host.Mounts = flags.mount.map(parseMountFlag);
  if (flags.tmpfs?.length) host.Tmpfs = parseTmpfsFlags(flags.tmpfs);
  if (flags['volumes-from']?.length) host.VolumesFrom = flags['volumes-from'];
  const network = flags.network ?? flags.net;
  if (network !== undefined) host.NetworkMode = network;
  const bindings = parsePortSpecs(flags.publish ?? []).bindings;
  if (Object.keys(bindings).length > 0) host.PortBindings = bindings;
  if (flags['publish-all']) host.PublishAllPorts = true;
  if (flags.dns?.length) host.Dns = flags.dns;
  if (flags['dns-search']?.length) host.DnsSearch = flags['dns-search'];
  if (flags['dns-option']?.length) host.DnsOptions = flags['dns-option'];
  if (flags['add-host']?.length) host.ExtraHosts = flags['add-host'];
  if (flags['log-driver'] !== undefined || flags['log-opt']?.length) {
    host.LogConfig = { Type: flags['log-driver'] ?? '', Config: parseLogOpts(flags['log-opt'] ?? []) };
  }
  return host;
}

/** Which streams `run` attaches: `-a` picks; otherwise stdout+stderr unless detached, stdin with -i. */
export function attachedStreams(
  picked: string[] | undefined,
  detach: boolean,
  interactive: boolean,
): { stdin: boolean; stdout: boolean; stderr: boolean } {
  if (picked?.length) {
    if (detach) throw invalidArgument('conflicting options: cannot specify both --attach and --detach');
    const names = picked.map((s) => s.toLowerCase());
    for (const n of names) if (n !== 'stdin' && n !== 'stdout' && n !== 'stderr') throw invalidArgument(`invalid argument ${JSON.stringify(n)} for --attach: use stdin, stdout or stderr`);
    return { stdin: names.includes('stdin'), stdout: names.includes('stdout'), stderr: names.includes('stderr') };
  }
  return { stdin: interactive && !detach, stdout: !detach, stderr: !detach };
}

/** `--log-opt k=v` → the log driver's options; the daemon decides which it supports. */
export function parseLogOpts(values: string[]): Record<string, string> {
  const opts: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid --log-opt ${JSON.stringify(value)}: use key=value, e.g. max-size=10m`);
    opts[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return opts;
}

/** `-l k=v` (and `-l k`, an empty value) → labels. */
export function parseLabels(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = eq >= 0 ? value.slice(0, eq) : value;
    if (!key) throw invalidArgument(`invalid label ${JSON.stringify(value)}: empty name`);
    labels[key] = eq >= 0 ? value.slice(eq + 1) : '';
  }
  return labels;
}

/** The `--health-*` flags → Healthcheck (durations in ns); `--no-healthcheck` → ["NONE"]. */
export function parseHealthcheck(flags: CreateFlags): Healthcheck | undefined {
  const durations = {
    Interval: flags['health-interval'],
    Timeout: flags['health-timeout'],
    StartPeriod: flags['health-start-period'],
    StartInterval: flags['health-start-interval'],
  };
  const anyHealth = flags['health-cmd'] !== undefined || flags['health-retries'] !== undefined || Object.values(durations).some((d) => d !== undefined);
  if (flags['no-healthcheck']) {
    if (anyHealth) throw invalidArgument('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!anyHealth) return undefined;
  const health: Healthcheck = {};
  if (flags['health-cmd'] !== undefined) health.Test = ['CMD-SHELL', flags['health-cmd']];
  for (const [key, value] of Object.entries(durations) as Array<[keyof typeof durations, string | undefined]>) {
    if (value === undefined) continue;
    const ns = parseDuration(value);
    if (ns < 0) throw invalidArgument(`--health-${kebab(key)} cannot be negative`);
    health[key] = ns;
  }
  if (flags['health-retries'] !== undefined) {
    const retries = parseInteger('--health-retries', flags['health-retries']);
    if (retries < 0) throw invalidArgument('--health-retries cannot be negative');
    health.Retries = retries;
  }
  return health;
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c, at: number) => (at ? '-' : '') + c.toLowerCase());

/** `--ulimit nofile=1024[:2048]` (the hard limit defaults to the soft one; -1: unlimited), as the docker CLI reads it. */
export function parseUlimit(spec: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (m === null) throw invalidArgument(`invalid argument "${spec}" for "--ulimit" flag: expected NAME=SOFT[:HARD]`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (hard !== -1 && (soft === -1 || soft > hard)) throw invalidArgument(`invalid argument "${spec}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: m[1] as string, Soft: soft, Hard: hard };
}
