import { invalidArgument } from '../../lib/index.js';
import type { ImageConfig, HealthConfig } from '../../oci/index.js';
import type { ContainerConfig, ContainerCreateRequest, HealthcheckConfig } from './types.js';

/** Docker's default grace period between the stop signal and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

const envKey = (entry: string): string => {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
};

/** The image's environment with the request's on top: a key set again replaces it in place. */
export function mergeEnv(image: readonly string[], request: readonly string[]): string[] {
  const out = [...image];
  for (const entry of request) {
    if (entry === '' || entry.startsWith('=')) throw invalidArgument(`invalid environment variable: ${entry}`);
    const key = envKey(entry);
    const at = out.findIndex((e) => envKey(e) === key);
    // `-e NAME` without a value would take the client's; the API passes it resolved or not at all.
    if (!entry.includes('=')) continue;
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * Entrypoint and command as Docker merges them (moby daemon `merge`): an entrypoint given
 * in the request replaces the image's and then the image's CMD no longer applies; only
 * without one (or with `--entrypoint ""`, which clears the image's) does an absent command
 * fall back to the image's CMD.
 */
export function mergeCommand(image: { Entrypoint?: string[]; Cmd?: string[] }, request: Pick<ContainerCreateRequest, 'entrypoint' | 'cmd'>): { entrypoint: string[]; cmd: string[] } {
  const given = request.entrypoint;
  const cleared = given !== undefined && (given.length === 0 || (given.length === 1 && given[0] === ''));
  const cmd = request.cmd ?? [];
  if (given !== undefined && !cleared) return { entrypoint: [...given], cmd: [...cmd] };
  return {
    entrypoint: cleared ? [] : [...(image.Entrypoint ?? [])],
    cmd: cmd.length > 0 ? [...cmd] : [...(image.Cmd ?? [])],
  };
}

const nsToMs = (ns: number | undefined): number | undefined => (ns === undefined || ns === 0 ? undefined : Math.round(ns / 1e6));

function imageHealthcheck(h: HealthConfig | undefined): HealthcheckConfig | undefined {
  if (h?.Test === undefined || h.Test.length === 0) return undefined;
  const out: HealthcheckConfig = { test: [...h.Test] };
  const interval = nsToMs(h.Interval);
  const timeout = nsToMs(h.Timeout);
  const startPeriod = nsToMs(h.StartPeriod);
  if (interval !== undefined) out.intervalMs = interval;
  if (timeout !== undefined) out.timeoutMs = timeout;
  if (startPeriod !== undefined) out.startPeriodMs = startPeriod;
  if (h.Retries !== undefined && h.Retries !== 0) out.retries = h.Retries;
  return out;
}

/** The request's healthcheck with unset fields taken from the image's; `['NONE']` disables. */
export function mergeHealthcheck(image: HealthConfig | undefined, request: HealthcheckConfig | undefined): HealthcheckConfig | undefined {
  const fromImage = imageHealthcheck(image);
  if (request === undefined) return fromImage;
  const merged: HealthcheckConfig = { ...fromImage, ...stripUndefined(request) };
  if (request.test.length === 0) merged.test = fromImage?.test ?? [];
  if (merged.test.length === 0 || merged.test[0] === 'NONE') return undefined;
  return merged;
}

function stripUndefined(h: HealthcheckConfig): HealthcheckConfig {
  const out: HealthcheckConfig = { test: h.test };
  if (h.intervalMs) out.intervalMs = h.intervalMs;
  if (h.timeoutMs) out.timeoutMs = h.timeoutMs;
  if (h.startPeriodMs) out.startPeriodMs = h.startPeriodMs;
  if (h.retries) out.retries = h.retries;
  return out;
}

/** `80` → `80/tcp`; protocols in lower case. */
export function normalizePortKey(key: string): string {
  const [port = '', proto = 'tcp'] = key.split('/');
  return `${port}/${proto.toLowerCase()}`;
}

/** The process and settings a container runs with: the request merged over the image. */
export function resolveConfig(request: ContainerCreateRequest, image: ImageConfig, id: string): ContainerConfig {
  const ic = image.config ?? {};
  const { entrypoint, cmd } = mergeCommand(ic, request);
  const argv = [...entrypoint, ...cmd];
  const [path, ...args] = argv;
  if (path === undefined || path === '') throw invalidArgument('No command specified');
  const stopTimeout = request.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
  if (!Number.isInteger(stopTimeout)) throw invalidArgument(`invalid stop timeout: ${String(stopTimeout)}`);
  const config: ContainerConfig = {
    path,
    args,
    env: mergeEnv(ic.Env ?? [], request.env ?? []),
    workingDir: request.workingDir !== undefined && request.workingDir !== '' ? request.workingDir : (ic.WorkingDir ?? ''),
    user: request.user !== undefined && request.user !== '' ? request.user : (ic.User ?? ''),
    hostname: request.hostname !== undefined && request.hostname !== '' ? request.hostname : id.slice(0, 12),
    tty: request.tty === true,
    openStdin: request.openStdin === true,
    stdinOnce: request.stdinOnce === true,
    labels: { ...(ic.Labels ?? {}), ...(request.labels ?? {}) },
    stopSignal: request.stopSignal !== undefined && request.stopSignal !== '' ? request.stopSignal : (ic.StopSignal ?? 'SIGTERM'),
    stopTimeoutSeconds: stopTimeout,
    entrypoint,
    cmd,
  };
  const exposed = [...new Set([...Object.keys(ic.ExposedPorts ?? {}), ...(request.exposedPorts ?? [])].map(normalizePortKey))];
  if (exposed.length > 0) config.exposedPorts = exposed;
  const health = mergeHealthcheck(ic.Healthcheck, request.healthcheck);
  if (health !== undefined) config.healthcheck = health;
  if (config.workingDir !== '' && !config.workingDir.startsWith('/')) {
    throw invalidArgument(`the working directory '${config.workingDir}' is invalid, it needs to be an absolute path`);
  }
  return config;
}
