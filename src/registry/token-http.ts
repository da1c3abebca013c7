import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicRealm } from './auth/basic.js';
import { basicCredentials } from './auth/credentials.js';
import { parseScope, type Access } from './auth/scope.js';
import type { TokenAuth } from './auth/token.js';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** `GET /token?service=&scope=…`: translates the request for TokenAuth.issue and its answer back. */
export async function serveToken(auth: TokenAuth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { errors: [{ code: 'UNSUPPORTED', message: `${req.method ?? ''} is not supported on /token` }] });
    return;
  }
  // Several scope parameters, each possibly several space-separated scopes.
  const scopes = url.searchParams
    .getAll('scope')
    .flatMap((s) => s.split(' '))
    .map(parseScope)
    .filter((a): a is Access => a !== undefined);
  const result = await auth.issue(basicCredentials(req.headers), url.searchParams.get('service'), scopes);
  if ('unauthorized' in result) {
    res.setHeader('WWW-Authenticate', `Basic realm="${basicRealm}"`);
    send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: result.unauthorized }] });
    return;
  }
  const { token, claims } = result.issued;
  send(res, 200, {
    token,
    access_token: token,
    expires_in: claims.exp - claims.iat,
    issued_at: new Date(claims.iat * 1000).toISOString(),
  });
}
