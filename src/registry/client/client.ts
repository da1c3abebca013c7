import type http from 'node:http';
import { BerthError, errorKind, failedPrecondition, invalidArgument, notFound, unavailable } from '../../lib/index.js';
import { lookupCredentials, type Credentials } from './credentials.js';
import { readBody, send, type Body } from './transport.js';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';

export interface RegistryClientOptions {
  /** Hosts (`host:port`) spoken to over plain HTTP when HTTPS fails, as Docker's `insecure-registries`. */
  insecureRegistries?: readonly string[];
  /** Credentials given with the request (X-Registry-Auth); otherwise looked up by host. */
  credentials?: Credentials;
  /** How to find stored credentials for a host; berth's file, then Docker's, by default. */
  lookup?: (host: string) => Credentials | undefined;
}

export interface RegistryRequest {
  method: string;
  /** Path and query under the registry root, e.g. `/v2/a/b/manifests/1`. */
  path: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Token scope(s), e.g. `repository:a/b:pull`; a mount also asks to pull from its source. */
  scope?: string | readonly string[];
}

interface CachedAuth {
  header: string;
  expiresAt: number;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `host[:port]` without the port, keeping IPv6 brackets. */
function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
}

/** The host a registry is actually reached at: Docker Hub's API lives at registry-1.docker.io. */
export function registryEndpointHost(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' ? 'registry-1.docker.io' : domain;
}

/** The schemes to try, in order, for a host. */
export function schemesFor(host: string, insecure: readonly string[] = []): Array<'https' | 'http'> {
  if (loopbackHosts.has(hostname(host))) return ['http'];
  if (insecure.includes(host) || insecure.includes(hostname(host))) return ['https', 'http'];
  return ['https'];
}

/**
 * Talks to one registry host: picks the scheme, answers 401 challenges (Basic, or Bearer
 * tokens fetched from the realm as Docker Hub does it) and caches tokens per scope.
 */
export class RegistryClient {
  readonly host: string;
  private base: URL | undefined;
  private readonly auth = new Map<string, CachedAuth>();
  private readonly credentials: Credentials | undefined;

  constructor(
    readonly domain: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.host = registryEndpointHost(domain);
    this.credentials = options.credentials ?? (options.lookup ?? lookupCredentials)(domain);
  }

  /** Sends a request, answering an auth challenge once; the caller reads or drains the response. */
  async request(request: RegistryRequest): Promise<http.IncomingMessage> {
    const scopes = typeof request.scope === 'string' ? [request.scope] : [...(request.scope ?? [])];
    const scope = scopes.join(' ');
    const cached = this.auth.get(scope);
    let authorization = cached && cached.expiresAt > Date.now() ? cached.header : undefined;
    let res = await this.exchange(request, authorization);
    if (res.statusCode !== 401) return res;
    const header = res.headers['www-authenticate'];
    res.resume();
    const challenges = parseWwwAuthenticate(Array.isArray(header) ? header.join(', ') : (header ?? ''));
    authorization = await this.answer(challenges, scopes);
    res = await this.exchange(request, authorization);
    if (res.statusCode === 401) {
      this.auth.delete(scope);
      throw await this.errorOf(res, `${request.method} ${request.path}`);
    }
    return res;
  }

  /** Like request, but a status of 400 or more is thrown as an error with a kind. */
  async expect(request: RegistryRequest, ok: readonly number[]): Promise<http.IncomingMessage> {
    const res = await this.request(request);
    if (ok.includes(res.statusCode ?? 0)) return res;
    throw await this.errorOf(res, `${request.method} ${request.path}`);
  }

  /** `GET /v2/` with the auth flow: proves the registry speaks the API and accepts us. */
  async ping(): Promise<void> {
    (await this.expect({ method: 'GET', path: '/v2/' }, [200])).resume();
  }

  /**
   * A login check (`ping`) whose refusal reads as Docker's: `login attempt to URL failed
   * with status: 401 Unauthorized`, kind failed-precondition.
   */
  async login(): Promise<void> {
    try {
      await this.ping();
    } catch (err) {
      if (errorKind(err) !== 'failed-precondition') throw err;
      const url = new URL('/v2/', await this.baseUrl()).href;
      throw failedPrecondition(`login attempt to ${url} failed with status: 401 Unauthorized`, err);
    }
  }

  private async exchange(request: RegistryRequest, authorization: string | undefined): Promise<http.IncomingMessage> {
    const headers = { ...(request.headers ?? {}), ...(authorization ? { Authorization: authorization } : {}) };
    const base = await this.baseUrl();
    try {
      return await send(new URL(request.path, base), { method: request.method, headers, ...(request.body ? { body: request.body } : {}) });
    } catch (err) {
      throw unavailable(`cannot reach registry ${this.host}: ${(err as Error).message}`, err);
    }
  }

  /** Finds the scheme once: the first that answers `/v2/` at all. */
  private async baseUrl(): Promise<URL> {
    if (this.base) return this.base;
    const schemes = schemesFor(this.host, this.options.insecureRegistries);
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${this.host}/`);
      if (schemes.length === 1) return (this.base = base);
      try {
        (await send(new URL('/v2/', base), { method: 'GET' })).resume();
        return (this.base = base);
      } catch (err) {
        lastError = err;
      }
    }
    throw unavailable(`cannot reach registry ${this.host}: ${(lastError as Error | undefined)?.message ?? 'no scheme'}`, lastError);
  }

  private async answer(challenges: Challenge[], scopes: readonly string[]): Promise<string> {
    const scope = scopes.join(' ');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const { header, expiresAt } = await this.fetchToken(bearer, scopes);
      this.auth.set(scope, { header, expiresAt });
      return header;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.credentials) throw failedPrecondition(`unauthorized: registry ${this.domain} wants credentials (berth login ${this.domain})`);
      const header = basicHeader(this.credentials);
      this.auth.set(scope, { header, expiresAt: Number.POSITIVE_INFINITY });
      return header;
    }
    throw failedPrecondition(`unauthorized: registry ${this.domain} sent no usable authentication challenge`);
  }

  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<CachedAuth> {
    const realm = challenge.params['realm'];
    if (!realm) throw invalidArgument(`registry ${this.domain}: Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch (err) {
      throw invalidArgument(`registry ${this.domain}: bad token realm ${JSON.stringify(realm)}`, err);
    }
    if (challenge.params['service']) url.searchParams.set('service', challenge.params['service']);
    for (const s of new Set([...scopes, challenge.params['scope'] ?? ''].filter((s) => s !== ''))) url.searchParams.append('scope', s);
    const headers: Record<string, string> = this.credentials ? { Authorization: basicHeader(this.credentials) } : {};
    let res: http.IncomingMessage;
    try {
      res = await send(url, { method: 'GET', headers });
    } catch (err) {
      throw unavailable(`cannot reach token service ${url.origin}: ${(err as Error).message}`, err);
    }
    const body = await readBody(res, 1024 * 1024);
    if (res.statusCode !== 200) {
      throw failedPrecondition(`unauthorized: token service ${url.origin} answered ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`);
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch (err) {
      throw invalidArgument(`token service ${url.origin} answered with invalid JSON`, err);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') throw invalidArgument(`token service ${url.origin} returned no token`);
    // The token spec's default lifetime is 60 s; renew a little early (5 s, or half a short one).
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + (lifetime - Math.min(5, lifetime / 2)) * 1000 };
  }

  /** Reads a registry error response (`{"errors":[{code,message}]}`) into an error with a kind. */
  async errorOf(res: http.IncomingMessage, what: string): Promise<BerthError> {
    const status = res.statusCode ?? 0;
    let detail = '';
    try {
      const text = (await readBody(res, 64 * 1024)).toString('utf8');
      const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
      detail = (parsed.errors ?? []).map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ');
    } catch {
      // not JSON: the status says enough
    }
    const message = `${what} at ${this.host}: ${status}${detail ? ` ${detail}` : ''}`;
    if (status === 401 || status === 403) return failedPrecondition(`unauthorized: ${message}`);
    if (status === 404) return notFound(message);
    if (status >= 500) return unavailable(message);
    return invalidArgument(message);
  }
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
