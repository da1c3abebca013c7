import { invalidArgument } from '../../lib/index.js';
import type { RegistryAuth } from './access.js';
import { basicAuth } from './basic.js';
import { readHtpasswd } from './htpasswd.js';
import { loadTokenKey } from './keys.js';
import { TokenAuth } from './token.js';

/** How a registry authenticates, as its command line says. */
export type RegistryAuthConfig =
  | { kind: 'htpasswd'; file: string }
  | {
      kind: 'token';
      /** htpasswd file of the users the token endpoint accepts; none when absent. */
      usersFile?: string;
      /** Token endpoint URL; `<the server's URL>/token` when absent. */
      realm?: string;
      /** PEM private key (EC P-256 or RSA); generated under the root when absent. */
      keyFile?: string;
      service?: string;
      anonymousPull?: boolean;
      pullOnly?: readonly string[];
    };

export const defaultService = 'berth-registry';

/** Reads files and keys; every problem is an invalid-argument error raised before serving. */
export function createAuth(config: RegistryAuthConfig, root: string, baseUrl: string): RegistryAuth {
  if (config.kind === 'htpasswd') return basicAuth(readHtpasswd(config.file));
  return new TokenAuth({
    realm: config.realm ?? `${baseUrl}/token`,
    service: config.service ?? defaultService,
    issuer: 'berth-registry-token-issuer',
    key: loadTokenKey(root, config.keyFile),
    users: config.usersFile !== undefined ? readHtpasswd(config.usersFile) : new Map(),
    ...(config.pullOnly ? { pullOnly: config.pullOnly } : {}),
    anonymousPull: config.anonymousPull ?? false,
  });
}

/** Parses `--auth htpasswd:FILE` or `--auth token`. */
export function parseAuthFlag(value: string): { kind: 'htpasswd'; file: string } | { kind: 'token' } {
  if (value === 'token') return { kind: 'token' };
  if (value.startsWith('htpasswd:') && value.length > 'htpasswd:'.length) return { kind: 'htpasswd', file: value.slice('htpasswd:'.length) };
  throw invalidArgument(`--auth must be htpasswd:FILE or token, not ${JSON.stringify(value)}`);
}
