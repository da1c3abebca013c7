import { invalidArgument } from '../lib/index.js';
import type { RegistryAuthConfig } from '../registry/index.js';

/** The flags of a registry server; `berth daemon` takes them with a `registry-` prefix. */
const serveFlagTypes = {
  auth: 'string',
  'auth-users': 'string',
  'token-realm': 'string',
  'token-key': 'string',
  'token-service': 'string',
  'anonymous-pull': 'boolean',
  'pull-only-users': 'string',
  'tls-cert': 'string',
  'tls-key': 'string',
} as const;

type FlagName = keyof typeof serveFlagTypes;
type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** parseArgs options for the registry server flags, each name behind `prefix`. */
export function registryServeFlags(prefix = ''): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(Object.entries(serveFlagTypes).map(([name, type]) => [`${prefix}${name}`, { type }]));
}

export interface RegistryServeFlags {
  auth?: RegistryAuthConfig;
  tls?: { cert: string; key: string };
}

/**
 * Reads the registry server flags (behind `prefix`) from parsed values: the auth config
 * (`--auth htpasswd:FILE | token` and the token-only flags, refused without `--auth token`)
 * and TLS (cert and key together).
 */
export function readRegistryServeFlags(
  values: FlagValues,
  prefix: string,
  parseAuthFlag: (v: string) => { kind: 'htpasswd'; file: string } | { kind: 'token' },
): RegistryServeFlags {
  const str = (name: FlagName): string | undefined => {
    const v = values[`${prefix}${name}`];
    return typeof v === 'string' ? v : undefined;
  };
  const tokenOnly = (['auth-users', 'token-realm', 'token-key', 'token-service', 'anonymous-pull', 'pull-only-users'] as const).filter(
    (f) => values[`${prefix}${f}`] !== undefined,
  );
  const authValue = str('auth');
  const parsed = authValue !== undefined ? parseAuthFlag(authValue) : undefined;
  if (parsed?.kind !== 'token' && tokenOnly.length > 0) throw invalidArgument(`--${prefix}${tokenOnly[0] ?? ''} needs --${prefix}auth token`);
  let auth: RegistryAuthConfig | undefined = parsed?.kind === 'htpasswd' ? parsed : undefined;
  if (parsed?.kind === 'token') {
    const usersFile = str('auth-users');
    const realm = str('token-realm');
    const keyFile = str('token-key');
    const service = str('token-service');
    const pullOnly = str('pull-only-users');
    auth = {
      kind: 'token',
      ...(usersFile !== undefined ? { usersFile } : {}),
      ...(realm !== undefined ? { realm } : {}),
      ...(keyFile !== undefined ? { keyFile } : {}),
      ...(service !== undefined ? { service } : {}),
      ...(pullOnly !== undefined ? { pullOnly: pullOnly.split(',').filter((u) => u !== '') } : {}),
      anonymousPull: values[`${prefix}anonymous-pull`] === true,
    };
  }
  const cert = str('tls-cert');
  const key = str('tls-key');
  if ((cert === undefined) !== (key === undefined)) throw invalidArgument(`--${prefix}tls-cert and --${prefix}tls-key go together`);
  return { ...(auth ? { auth } : {}), ...(cert !== undefined && key !== undefined ? { tls: { cert, key } } : {}) };
}
