import type { ParseArgsConfig } from 'node:util';

/**
 * Flag tables of the verbs that end in a command line (`run IMAGE CMD…`, `exec CTR CMD…`).
 * Plain data, so that `extractGlobals` can tell a flag's value from the first positional
 * without loading the verbs themselves.
 */
export type Options = NonNullable<ParseArgsConfig['options']>;

export const createOptions = {
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  rm: { type: 'boolean' },
  name: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  'env-file': { type: 'string', multiple: true },
  workdir: { type: 'string', short: 'w' },
  user: { type: 'string', short: 'u' },
  entrypoint: { type: 'string' },
  label: { type: 'string', short: 'l', multiple: true },
  attach: { type: 'string', short: 'a', multiple: true },
  memory: { type: 'string', short: 'm' },
  'memory-swap': { type: 'string' },
  'shm-size': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'string', short: 'c' },
  'pids-limit': { type: 'string' },
  ulimit: { type: 'string', multiple: true },
  restart: { type: 'string' },
  'health-cmd': { type: 'string' },
  'health-interval': { type: 'string' },
  'health-timeout': { type: 'string' },
  'health-retries': { type: 'string' },
  'health-start-period': { type: 'string' },
  'health-start-interval': { type: 'string' },
  'no-healthcheck': { type: 'boolean' },
  init: { type: 'boolean' },
  privileged: { type: 'boolean' },
  'cap-add': { type: 'string', multiple: true },
  'cap-drop': { type: 'string', multiple: true },
  'read-only': { type: 'boolean' },
  'security-opt': { type: 'string', multiple: true },
  'group-add': { type: 'string', multiple: true },
  volume: { type: 'string', short: 'v', multiple: true },
  mount: { type: 'string', multiple: true },
  tmpfs: { type: 'string', multiple: true },
  'volumes-from': { type: 'string', multiple: true },
  network: { type: 'string' },
  net: { type: 'string' },
  'network-alias': { type: 'string', multiple: true },
  ip: { type: 'string' },
  publish: { type: 'string', short: 'p', multiple: true },
  'publish-all': { type: 'boolean', short: 'P' },
  expose: { type: 'string', multiple: true },
  dns: { type: 'string', multiple: true },
  'dns-search': { type: 'string', multiple: true },
  'dns-option': { type: 'string', multiple: true },
  'add-host': { type: 'string', multiple: true },
  hostname: { type: 'string', short: 'h' },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'string' },
  'log-driver': { type: 'string' },
  'log-opt': { type: 'string', multiple: true },
  platform: { type: 'string' },
} as const satisfies Options;

export const runOptions = {
  ...createOptions,
  detach: { type: 'boolean', short: 'd' },
} as const satisfies Options;

export const execOptions = {
  detach: { type: 'boolean', short: 'd' },
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  env: { type: 'string', short: 'e', multiple: true },
  'env-file': { type: 'string', multiple: true },
  user: { type: 'string', short: 'u' },
  workdir: { type: 'string', short: 'w' },
  privileged: { type: 'boolean' },
} as const satisfies Options;

/** Verbs whose flags end at the first positional (docker's non-interspersed commands). */
export const commandVerbs: Record<string, Options> = { run: runOptions, create: createOptions, exec: execOptions };
