import type { ContainerCreateRequest, HealthcheckConfig, MountPropagation, MountRequest, ResourceLimits, RestartPolicy, Ulimit } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { parseLogConfig } from './log-config.js';

/**
 * Docker's create body (`ContainerConfig` with an embedded `HostConfig`) → the engine's
 * request. Only translation: types are checked and each refusal names its field; the
 * engine decides what the values mean. Null, empty and zero mean "not set", as in Go.
 */
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const bad = (field: string, expected: string, value: unknown): Error =>
  invalidArgument(`invalid ${field}: expected ${expected}, got ${JSON.stringify(value)}`);

/** Typed reads of one JSON object; `prefix` names nested fields in messages. */
class Fields {
  constructor(
    private readonly body: Json,
    private readonly prefix = '',
  ) {}

  private name(key: string): string {
    return this.prefix + key;
  }

  private raw(key: string): unknown {
    const value = this.body[key];
    return value === null ? undefined : value;
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw bad(this.name(key), 'a string', value);
    return value === '' ? undefined : value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw bad(this.name(key), 'a boolean', value);
    return value;
  }

  /** An integer; 0 reads as unset unless `keepZero`. */
  integer(key: string, keepZero = false): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(this.name(key), 'an integer', value);
    return value === 0 && !keepZero ? undefined : value;
  }

  strings(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw bad(this.name(key), 'an array of strings', value);
    }
    return value as string[];
  }

  /** Docker's StrSlice: a JSON string or an array of strings. */
  stringOrStrings(key: string): string[] | undefined {
    const value = this.raw(key);
    if (typeof value === 'string') return [value];
    return this.strings(key);
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
      throw bad(this.name(key), 'an object of strings', value);
    }
    return value as Record<string, string>;
  }

  objects(key: string): Fields[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw bad(this.name(key), 'an array of objects', value);
    return value.map((v, i) => {
      if (!isObject(v)) throw bad(`${this.name(key)}[${i}]`, 'an object', v);
      return new Fields(v, `${this.name(key)}[${i}].`);
    });
  }

  /** The keys of an object whose values are ignored (Docker's `Volumes: {"/data": {}}`). */
  keys(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!isObject(value)) throw bad(this.name(key), 'an object', value);
    return Object.keys(value);
  }

  /** Docker's `Options: [["exec"]]` in tmpfs options: arrays of strings. */
  stringLists(key: string): string[][] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
      throw bad(this.name(key), 'an array of string arrays', value);
    }
    return value as string[][];
  }

  /** This object's own keys. */
  ownKeys(): string[] {
    return Object.keys(this.body);
  }

  /** An array value (null: unset). */
  array(key: string): unknown[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw bad(this.name(key), 'an array', value);
    return value;
  }

  /** Fields of an object found inside this one (an array item). */
  nested(value: unknown, key: string): Fields {
    if (!isObject(value)) throw bad(this.name(key), 'an object', value);
    return new Fields(value, `${this.name(key)}.`);
  }

  object(key: string): Fields | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!isObject(value)) throw bad(this.name(key), 'an object', value);
    return new Fields(value, `${this.name(key)}.`);
  }
}

const restartNames = new Set<RestartPolicy['name']>(['no', 'on-failure', 'always', 'unless-stopped']);

function restartPolicy(fields: Fields | undefined): RestartPolicy | undefined {
  if (!fields) return undefined;
  const name = fields.string('Name') ?? 'no';
  if (!restartNames.has(name as RestartPolicy['name'])) {
    throw invalidArgument(`invalid HostConfig.RestartPolicy.Name: invalid restart policy '${name}'`);
  }
  return { name: name as RestartPolicy['name'], maximumRetryCount: fields.integer('MaximumRetryCount', true) ?? 0 };
}

/** Go durations arrive in nanoseconds; the engine counts milliseconds. */
const nsToMs = (ns: number | undefined): number | undefined => (ns === undefined ? undefined : Math.round(ns / 1e6));

function healthcheck(fields: Fields | undefined): HealthcheckConfig | undefined {
  const test = fields?.strings('Test');
  if (!fields || !test || test.length === 0) return undefined;
  const out: HealthcheckConfig = { test };
  const interval = nsToMs(fields.integer('Interval'));
  const timeout = nsToMs(fields.integer('Timeout'));
  const startPeriod = nsToMs(fields.integer('StartPeriod'));
  const retries = fields.integer('Retries');
  if (interval !== undefined) out.intervalMs = interval;
  if (timeout !== undefined) out.timeoutMs = timeout;
  if (startPeriod !== undefined) out.startPeriodMs = startPeriod;
  if (retries !== undefined) out.retries = retries;
  return out;
}

/** HostConfig.Ulimits: `[{"Name": "nofile", "Soft": 1024, "Hard": 2048}]`. */
function ulimits(host: Fields): Ulimit[] | undefined {
  const list = host.objects('Ulimits');
  if (!list?.length) return undefined;
  return list.map((u, i) => {
    const name = u.string('Name');
    const soft = u.integer('Soft');
    const hard = u.integer('Hard');
    if (name === undefined || name === '') throw invalidArgument(`invalid HostConfig.Ulimits[${i}].Name: a limit name is required`);
    if (soft === undefined || hard === undefined) throw invalidArgument(`invalid HostConfig.Ulimits[${i}]: Soft and Hard are required`);
    return { name, soft, hard };
  });
}

function resources(host: Fields): ResourceLimits | undefined {
  const out: ResourceLimits = {};
  const read: Array<[keyof ResourceLimits, string]> = [
    ['memory', 'Memory'],
    ['memorySwap', 'MemorySwap'],
    ['nanoCpus', 'NanoCpus'],
    ['cpuShares', 'CpuShares'],
    ['cpuQuota', 'CpuQuota'],
    ['cpuPeriod', 'CpuPeriod'],
    ['pidsLimit', 'PidsLimit'],
  ];
  for (const [key, field] of read) {
    const value = host.integer(field);
    if (value !== undefined) out[key] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list === undefined || list.length === 0 ? undefined : list);
const nonEmptyMap = (map: Record<string, string> | undefined): Record<string, string> | undefined =>
  map === undefined || Object.keys(map).length === 0 ? undefined : map;

const mountTypes = new Set(['bind', 'volume', 'tmpfs']);

/** One HostConfig.Mounts entry (Docker's mount.Mount) → the engine's MountRequest. */
function mountRequest(m: Fields, field: string): MountRequest {
  const type = m.string('Type');
  if (type === undefined || !mountTypes.has(type)) {
    throw invalidArgument(`invalid ${field}.Type: mount type ${JSON.stringify(type ?? '')} is not supported (use bind, volume or tmpfs)`);
  }
  const out: MountRequest = { type: type as MountRequest['type'], target: m.string('Target') ?? '' };
  const source = m.string('Source');
  if (source !== undefined) out.source = source;
  if (m.boolean('ReadOnly') === true) out.readOnly = true;
  const bind = m.object('BindOptions');
  if (bind) {
    const propagation = bind.string('Propagation');
    out.bindOptions = defined({
      propagation: propagation as MountPropagation | undefined,
      nonRecursive: bind.boolean('NonRecursive'),
      createMountpoint: bind.boolean('CreateMountpoint'),
    });
  }
  const volume = m.object('VolumeOptions');
  if (volume) {
    if (volume.string('Subpath') !== undefined) throw invalidArgument(`invalid ${field}.VolumeOptions.Subpath: volume subpaths are not supported by berth`);
    const driver = volume.object('DriverConfig');
    out.volumeOptions = defined({
      noCopy: volume.boolean('NoCopy'),
      labels: volume.stringMap('Labels'),
      driverConfig: driver ? defined({ name: driver.string('Name'), options: driver.stringMap('Options') }) : undefined,
    });
  }
  const tmpfs = m.object('TmpfsOptions');
  if (tmpfs) out.tmpfsOptions = defined({ sizeBytes: tmpfs.integer('SizeBytes'), mode: tmpfs.integer('Mode'), options: tmpfs.stringLists('Options') });
  return out;
}

/** HostConfig.PortBindings: `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. */
function portBindings(host: Fields): ContainerCreateRequest['portBindings'] {
  const raw = host.object('PortBindings');
  if (!raw) return undefined;
  const out: NonNullable<ContainerCreateRequest['portBindings']> = {};
  for (const key of raw.ownKeys()) {
    const list = raw.array(key);
    out[key] = (list ?? []).map((item, i) => {
      const b = raw.nested(item, `${key}[${i}]`);
      const binding: { hostIp?: string; hostPort?: string } = {};
      const hostIp = b.string('HostIp');
      const hostPort = b.string('HostPort');
      if (hostIp !== undefined) binding.hostIp = hostIp;
      if (hostPort !== undefined) binding.hostPort = hostPort;
      return binding;
    });
  }
  return Object.keys(out).length ? out : undefined;
}

/** NetworkingConfig.EndpointsConfig: per network, Aliases and IPAMConfig.IPv4Address. */
function endpointsConfig(body: Fields, defaultNetwork: string | undefined): ContainerCreateRequest['networks'] {
  const endpoints = body.object('NetworkingConfig')?.object('EndpointsConfig');
  if (!endpoints) return undefined;
  const out: NonNullable<ContainerCreateRequest['networks']> = {};
  for (const key of endpoints.ownKeys()) {
    const e = endpoints.object(key) ?? new Fields({});
    // The CLI names the default network "default", as it does in NetworkMode.
    const name = key === 'default' ? (defaultNetwork ?? 'bridge') : key;
    const settings: { aliases?: string[]; ipv4Address?: string } = {};
    const aliases = e.strings('Aliases');
    if (aliases?.length) settings.aliases = aliases;
    const ip = e.object('IPAMConfig')?.string('IPv4Address');
    if (ip !== undefined) settings.ipv4Address = ip;
    out[name] = settings;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Config.ExposedPorts: `{"80/tcp": {}}` → its keys. */
function exposedPorts(config: Fields): string[] | undefined {
  const ports = config.object('ExposedPorts');
  return ports && ports.ownKeys().length ? ports.ownKeys() : undefined;
}

/** Drops keys whose value is undefined, so the engine sees only what was asked for. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The engine's request for a create body; what is accepted without effect (some log
 * options) is added to `warnings`, which Docker returns with the new container's ID.
 */
export function parseCreateRequest(body: unknown, name: string | null, warnings: string[] = []): ContainerCreateRequest {
  if (!isObject(body)) throw invalidArgument('invalid create request: the body must be a JSON object');
  const config = new Fields(body);
  const image = config.string('Image');
  if (!image) throw invalidArgument('invalid Image: an image is required');
  const host = config.object('HostConfig') ?? new Fields({}, 'HostConfig.');
  const labels = config.stringMap('Labels');
  const networkMode = host.string('NetworkMode');
  const logConfig = host.object('LogConfig');
  const log = parseLogConfig(logConfig?.string('Type'), logConfig?.stringMap('Config'));
  warnings.push(...log.warnings);
  return defined<ContainerCreateRequest>({
    name: name ? name.replace(/^\//, '') : undefined,
    image,
    entrypoint: config.stringOrStrings('Entrypoint'),
    cmd: config.stringOrStrings('Cmd'),
    env: config.strings('Env'),
    workingDir: config.string('WorkingDir'),
    user: config.string('User'),
    hostname: config.string('Hostname'),
    tty: config.boolean('Tty'),
    openStdin: config.boolean('OpenStdin'),
    stdinOnce: config.boolean('StdinOnce'),
    labels: labels && Object.keys(labels).length ? labels : undefined,
    stopSignal: config.string('StopSignal'),
    stopTimeoutSeconds: config.integer('StopTimeout', true),
    healthcheck: healthcheck(config.object('Healthcheck')),
    init: host.boolean('Init'),
    autoRemove: host.boolean('AutoRemove'),
    restartPolicy: restartPolicy(host.object('RestartPolicy')),
    resources: resources(host),
    ulimits: ulimits(host),
    privileged: host.boolean('Privileged'),
    capAdd: host.strings('CapAdd'),
    capDrop: host.strings('CapDrop'),
    readonlyRootfs: host.boolean('ReadonlyRootfs'),
    securityOpt: host.strings('SecurityOpt'),
    // "default" is the CLI's way of saying "whatever the engine does by default".
    networkMode: networkMode === 'default' ? undefined : networkMode,
    networks: endpointsConfig(config, networkMode === 'default' ? undefined : networkMode),
    portBindings: portBindings(host),
    publishAllPorts: host.boolean('PublishAllPorts') || undefined,
    exposedPorts: exposedPorts(config),
    dns: nonEmpty(host.strings('Dns')),
    dnsSearch: nonEmpty(host.strings('DnsSearch')),
    dnsOptions: nonEmpty(host.strings('DnsOptions')),
    extraHosts: nonEmpty(host.strings('ExtraHosts')),
    logMaxSize: log.logMaxSize,
    binds: nonEmpty(host.strings('Binds')),
    mounts: nonEmpty(host.objects('Mounts')?.map((m, i) => mountRequest(m, `HostConfig.Mounts[${i}]`))),
    tmpfs: nonEmptyMap(host.stringMap('Tmpfs')),
    volumesFrom: nonEmpty(host.strings('VolumesFrom')),
    volumes: nonEmpty(config.keys('Volumes')),
  });
}
