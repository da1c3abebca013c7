import { invalidArgument } from '../lib/index.js';
import type { Digest } from './digest.js';
import {
  asArray,
  asDigest,
  asObject,
  child,
  compact,
  decodeJson,
  fail,
  optionalBoolean,
  optionalInteger,
  optionalNonNegativeInteger,
  optionalSetMap,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  requiredField,
  requiredString,
  type JsonObject,
} from './json-check.js';

/** Docker HEALTHCHECK as stored in the image config; durations in nanoseconds. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The execution defaults (image-spec `config` field; Docker capitalisation). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[];
  Shell?: string[];
}

export interface RootFs {
  type: 'layers';
  diff_ids: Digest[];
}

export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image configuration: OCI `config.v1` or Docker `container.image.v1`. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: RootFs;
  history?: History[];
}

// RFC 3339 date-time; Go writes up to nanoseconds, which Date.parse would not promise to read.
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function optionalTime(obj: JsonObject, key: string, path: string): string | undefined {
  const value = optionalString(obj, key, path);
  if (value !== undefined && !rfc3339.test(value)) fail(child(path, key), `not an RFC 3339 time: ${JSON.stringify(value)}`);
  return value;
}

// `80`, `80/tcp`, `53/udp`, `8000-8010/tcp`; the protocol defaults to tcp.
const portPattern = /^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/i;

function checkPort(key: string): string | undefined {
  if (!portPattern.test(key)) return `invalid port ${JSON.stringify(key)}: expected port[/tcp|udp|sctp]`;
  const numbers = key.split('/', 1)[0]!.split('-').map(Number);
  if (numbers.some((n) => n < 1 || n > 65535)) return `port out of range in ${JSON.stringify(key)}`;
  return undefined;
}

function checkHealthcheck(value: unknown, path: string): HealthConfig {
  const obj = asObject(value, path);
  return compact<HealthConfig>({
    Test: optionalStringArray(obj, 'Test', path),
    Interval: optionalNonNegativeInteger(obj, 'Interval', path),
    Timeout: optionalNonNegativeInteger(obj, 'Timeout', path),
    StartPeriod: optionalNonNegativeInteger(obj, 'StartPeriod', path),
    StartInterval: optionalNonNegativeInteger(obj, 'StartInterval', path),
    Retries: optionalInteger(obj, 'Retries', path),
  });
}

function checkContainerConfig(value: unknown, path: string): ContainerConfig {
  const obj = asObject(value, path);
  return compact<ContainerConfig>({
    User: optionalString(obj, 'User', path),
    ExposedPorts: optionalSetMap(obj, 'ExposedPorts', path, checkPort),
    Env: optionalStringArray(obj, 'Env', path),
    Entrypoint: optionalStringArray(obj, 'Entrypoint', path),
    Cmd: optionalStringArray(obj, 'Cmd', path),
    Volumes: optionalSetMap(obj, 'Volumes', path),
    WorkingDir: optionalString(obj, 'WorkingDir', path),
    Labels: optionalStringMap(obj, 'Labels', path),
    StopSignal: optionalString(obj, 'StopSignal', path),
    ArgsEscaped: optionalBoolean(obj, 'ArgsEscaped', path),
    Healthcheck: obj['Healthcheck'] == null ? undefined : checkHealthcheck(obj['Healthcheck'], child(path, 'Healthcheck')),
    OnBuild: optionalStringArray(obj, 'OnBuild', path),
    Shell: optionalStringArray(obj, 'Shell', path),
  });
}

function checkRootFs(value: unknown, path: string): RootFs {
  const obj = asObject(value, path);
  const type = requiredString(obj, 'type', path);
  if (type !== 'layers') fail(child(path, 'type'), `expected "layers", got ${JSON.stringify(type)}`);
  const at = child(path, 'diff_ids');
  // An image with no layers (FROM scratch + metadata) has `diff_ids: null` from Docker.
  const raw = obj['diff_ids'] == null ? [] : asArray(obj['diff_ids'], at);
  return { type, diff_ids: raw.map((d, i) => asDigest(d, `${at}[${i}]`)) };
}

function checkHistory(value: unknown, path: string): History {
  const obj = asObject(value, path);
  return compact<History>({
    created: optionalTime(obj, 'created', path),
    created_by: optionalString(obj, 'created_by', path),
    author: optionalString(obj, 'author', path),
    comment: optionalString(obj, 'comment', path),
    empty_layer: optionalBoolean(obj, 'empty_layer', path),
  });
}

/** Validates an already-decoded image config object. */
export function checkImageConfig(value: unknown, path = 'config'): ImageConfig {
  const obj = asObject(value, path);
  const history = obj['history'] == null ? undefined : asArray(obj['history'], child(path, 'history'));
  return compact<ImageConfig>({
    created: optionalTime(obj, 'created', path),
    author: optionalString(obj, 'author', path),
    architecture: requiredString(obj, 'architecture', path),
    os: requiredString(obj, 'os', path),
    'os.version': optionalString(obj, 'os.version', path),
    'os.features': optionalStringArray(obj, 'os.features', path),
    variant: optionalString(obj, 'variant', path),
    config: obj['config'] == null ? undefined : checkContainerConfig(obj['config'], child(path, 'config')),
    rootfs: checkRootFs(requiredField(obj, 'rootfs', path), child(path, 'rootfs')),
    history: history?.map((h, i) => checkHistory(h, `${child(path, 'history')}[${i}]`)),
  });
}

/** Parses image config JSON (bytes as fetched, or text); refuses anything malformed. */
export function parseImageConfig(input: Uint8Array | string): ImageConfig {
  return checkImageConfig(decodeJson(input, 'config'));
}

/** The config must name one uncompressed-layer digest per manifest layer, in order. */
export function validateDiffIds(config: Pick<ImageConfig, 'rootfs'>, layerCount: number): void {
  const count = config.rootfs.diff_ids.length;
  if (count !== layerCount) {
    throw invalidArgument(
      `config.rootfs.diff_ids: ${count} ${count === 1 ? 'entry' : 'entries'} for ${layerCount} ${layerCount === 1 ? 'layer' : 'layers'}`,
    );
  }
}
