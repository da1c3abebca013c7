import type { KeyObject } from 'node:crypto';
import type { RegistryAuth } from './access.js';
import { bearerToken } from './credentials.js';
import { publicKeyOf, signToken, verifyToken, type TokenClaims } from './jwt.js';
import { covers, formatScope, requirementOf, type Access } from './scope.js';
import { verifyPassword, type HtpasswdUsers } from './htpasswd.js';

export interface TokenAuthOptions {
  /** The token endpoint's URL, given to clients in challenges. */
  realm: string;
  /** The `service` clients ask tokens for; the tokens' audience. */
  service: string;
  /** The `iss` of issued tokens. */
  issuer: string;
  key: KeyObject;
  users: HtpasswdUsers;
  /** Users who may pull but never push. */
  pullOnly?: readonly string[];
  anonymousPull?: boolean;
  /** Token lifetime in seconds; 300 unless told. */
  ttl?: number;
}

export interface IssuedToken {
  token: string;
  claims: TokenClaims;
}

/** The answer of the token endpoint: a token, or a refusal of the credentials. */
export type TokenResult = { issued: IssuedToken } | { unauthorized: string };

const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

/**
 * `--auth token`: Docker's token scheme with the registry as its own token server. Users of
 * the htpasswd file get pull and push (pull only when listed in `pullOnly`) and the catalog;
 * anonymous clients get pull when `anonymousPull`, nothing else.
 */
export class TokenAuth implements RegistryAuth {
  readonly options: TokenAuthOptions;
  private readonly publicKey: KeyObject;

  constructor(options: TokenAuthOptions) {
    this.options = options;
    this.publicKey = publicKeyOf(options.key);
  }

  /** What `subject` may have of what it asked for. */
  grant(subject: string | undefined, wanted: readonly Access[]): Access[] {
    const granted: Access[] = [];
    for (const want of wanted) {
      let allowed: string[] = [];
      if (want.type === 'repository') {
        if (subject !== undefined) allowed = this.options.pullOnly?.includes(subject) ? ['pull'] : ['pull', 'push'];
        else if (this.options.anonymousPull) allowed = ['pull'];
      } else if (want.type === 'registry' && want.name === 'catalog' && subject !== undefined) {
        allowed = ['*'];
      }
      const actions = want.actions.filter((a) => allowed.includes(a));
      if (actions.length > 0) granted.push({ type: want.type, name: want.name, actions });
    }
    return granted;
  }

  /** Serves a token request: `credentials` absent means anonymous. */
  async issue(credentials: { username: string; password: string } | undefined, service: string | null, scopes: readonly Access[]): Promise<TokenResult> {
    if (service !== null && service !== this.options.service) return { unauthorized: `unknown service ${JSON.stringify(service)}` };
    let subject: string | undefined;
    if (credentials) {
      if (!(await verifyPassword(this.options.users, credentials.username, credentials.password))) {
        return { unauthorized: 'invalid username or password' };
      }
      subject = credentials.username;
    }
    const signed = signToken(this.options.key, {
      issuer: this.options.issuer,
      subject: subject ?? '',
      audience: this.options.service,
      access: this.grant(subject, scopes),
      ...(this.options.ttl !== undefined ? { ttl: this.options.ttl } : {}),
    });
    return { issued: signed };
  }

  challenge(needed: Access | undefined, error?: string): string {
    let header = `Bearer realm=${quote(this.options.realm)},service=${quote(this.options.service)}`;
    if (needed) {
      const actions = needed.type === 'repository' ? (needed.actions.includes('push') ? ['pull', 'push'] : ['pull']) : needed.actions;
      header += `,scope=${quote(formatScope({ ...needed, actions }))}`;
    }
    if (error) header += `,error=${quote(error)}`;
    return header;
  }

  async authorize(...[headers, route, method]: Parameters<RegistryAuth['authorize']>): ReturnType<RegistryAuth['authorize']> {
    const requirement = requirementOf(route, method);
    const needed = requirement.kind === 'access' ? requirement.access : undefined;
    const token = bearerToken(headers);
    if (token === undefined) return { refusal: { challenge: this.challenge(needed), message: 'authentication required', ...(needed ? { needed } : {}) } };
    let claims: TokenClaims;
    try {
      claims = verifyToken(this.publicKey, token, { audience: this.options.service, issuer: this.options.issuer });
    } catch (err) {
      return { refusal: { challenge: this.challenge(needed, 'invalid_token'), message: (err as Error).message, ...(needed ? { needed } : {}) } };
    }
    if (needed && !covers(claims.access, needed)) {
      return { refusal: { challenge: this.challenge(needed, 'insufficient_scope'), message: 'authentication required: insufficient scope', needed } };
    }
    return { identity: { subject: claims.sub === '' ? 'anonymous' : claims.sub, allows: (access) => covers(claims.access, access) } };
  }
}
