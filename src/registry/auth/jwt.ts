import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { Access } from './scope.js';

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

export type TokenAlgorithm = 'ES256' | 'RS256';

/** Why a token was refused; the HTTP layer turns every one into a 401. */
export type TokenProblem = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' | 'audience' | 'issuer';

export class TokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string) {
    super(message);
    this.name = 'TokenError';
    this.problem = problem;
  }
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** ES256 for EC P-256 keys, RS256 for RSA keys; anything else is refused. */
export function algorithmOf(key: KeyObject): TokenAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'rsa') return 'RS256';
  throw new TokenError('algorithm', `token keys must be EC P-256 or RSA, not ${type ?? 'unknown'}`);
}

function signature(alg: TokenAlgorithm, input: string, key: KeyObject): Buffer {
  return alg === 'ES256' ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key);
}

export interface SignInput {
  issuer: string;
  subject: string;
  audience: string;
  access: Access[];
  /** Seconds; 300 unless told. */
  ttl?: number;
  now?: Date;
}

/** A compact JWS (`header.claims.signature`) with the claims Docker's token spec names. */
export function signToken(privateKey: KeyObject, input: SignInput): { token: string; claims: TokenClaims } {
  const alg = algorithmOf(privateKey);
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const claims: TokenClaims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: iat + (input.ttl ?? 300),
    nbf: iat - 1,
    iat,
    jti: randomUUID(),
    access: input.access,
  };
  const signingInput = `${b64url(JSON.stringify({ typ: 'JWT', alg }))}.${b64url(JSON.stringify(claims))}`;
  return { token: `${signingInput}.${b64url(signature(alg, signingInput, privateKey))}`, claims };
}

export interface VerifyInput {
  audience: string;
  issuer: string;
  now?: Date;
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new TokenError('malformed', 'token is not a JWT');
  }
}

function isAccessList(value: unknown): value is Access[] {
  return (
    Array.isArray(value) &&
    value.every((a: unknown) => {
      const e = a as Partial<Access> | null;
      return typeof e === 'object' && e !== null && typeof e.type === 'string' && typeof e.name === 'string' && Array.isArray(e.actions) && e.actions.every((x) => typeof x === 'string');
    })
  );
}

/** Checks signature (with the algorithm the key implies, never the header's choice), time, audience and issuer. */
export function verifyToken(publicKey: KeyObject, token: string, input: VerifyInput): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'token is not a JWT');
  const [headerPart = '', claimsPart = '', sigPart = ''] = parts;
  const alg = algorithmOf(publicKey);
  const header = parseJson(headerPart) as { alg?: unknown } | null;
  if (header?.alg !== alg) throw new TokenError('algorithm', `token algorithm ${String(header?.alg)} is not ${alg}`);
  const data = Buffer.from(`${headerPart}.${claimsPart}`);
  const sig = Buffer.from(sigPart, 'base64url');
  const good = alg === 'ES256' ? verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig) : verify('sha256', data, publicKey, sig);
  if (!good) throw new TokenError('signature', 'token signature is invalid');
  const claims = parseJson(claimsPart) as Partial<TokenClaims> | null;
  if (typeof claims !== 'object' || claims === null) throw new TokenError('malformed', 'token claims are not an object');
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new TokenError('expired', 'token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 1) throw new TokenError('not-yet-valid', 'token is not valid yet');
  const aud = claims.aud as unknown;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(input.audience)) throw new TokenError('audience', `token is not for ${input.audience}`);
  if (claims.iss !== input.issuer) throw new TokenError('issuer', `token was not issued by ${input.issuer}`);
  const access = claims.access ?? [];
  if (!isAccessList(access)) throw new TokenError('malformed', 'token access claim is malformed');
  return { ...(claims as TokenClaims), access };
}

export const publicKeyOf = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);
export const privateKeyFromPem = (pem: string): KeyObject => createPrivateKey(pem);
