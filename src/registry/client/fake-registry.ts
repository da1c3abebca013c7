import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestOf } from '../../oci/index.js';

/**
 * Test support only: an in-memory registry on 127.0.0.1:0 with optional Bearer auth backed
 * by its own token endpoint, and hooks to corrupt what it serves.
 */
export interface FakeRegistry {
  host: string;
  blobs: Map<string, Buffer>;
  /** By tag and by digest: bytes and media type. */
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  /** Every request the registry saw: `METHOD path`. */
  log: string[];
  /** Token requests: their query strings and Authorization headers. */
  tokenRequests: Array<{ query: URLSearchParams; authorization: string | undefined }>;
  /** Replace what a blob GET returns (to serve bytes that do not match their digest). */
  corrupt: Map<string, Buffer>;
  close(): Promise<void>;
}

export interface FakeRegistryOptions {
  /** Demand `Bearer` tokens from the built-in realm; the token endpoint wants these credentials if given. */
  bearer?: { username?: string; password?: string; expiresIn?: number };
  /** Demand Basic credentials. */
  basic?: { username: string; password: string };
  /** Loopback address to listen on (127.0.0.1 by default; any 127/8 address stays on this machine). */
  address?: string;
}

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const state = {
    blobs: new Map<string, Buffer>(),
    manifests: new Map<string, { bytes: Buffer; mediaType: string }>(),
    log: [] as string[],
    tokenRequests: [] as Array<{ query: URLSearchParams; authorization: string | undefined }>,
    corrupt: new Map<string, Buffer>(),
  };
  const uploads = new Map<string, Buffer[]>();
  let issued = 0;
  const tokens = new Set<string>();
  let host = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (url.pathname === '/token') {
        state.tokenRequests.push({ query: url.searchParams, authorization: req.headers.authorization });
        const want = options.bearer;
        if (want?.username && req.headers.authorization !== basic(want.username, want.password ?? '')) {
          res.writeHead(401).end();
          return;
        }
        const token = `tok-${++issued}`;
        tokens.add(token);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, expires_in: want?.expiresIn ?? 300 }));
        return;
      }
      state.log.push(`${method} ${url.pathname}${url.search}`);
      const auth = req.headers.authorization ?? '';
      if (options.bearer && !tokens.has(auth.replace(/^Bearer /, ''))) {
        const scope = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake"${scope ? `,scope="repository:${scope}:pull"` : ''}`,
        });
        res.end();
        return;
      }
      if (options.basic && auth !== basic(options.basic.username, options.basic.password)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end();
        return;
      }
      route(method, url, body, res);
    });
  });

  function route(method: string, url: URL, body: Buffer, res: http.ServerResponse): void {
    const path = url.pathname;
    if (path === '/v2/') return void res.writeHead(200).end('{}');
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const key = `${m[1]}:${m[2]}`;
      if (method === 'PUT') {
        const entry = { bytes: body, mediaType: String(res.req.headers['content-type']) };
        state.manifests.set(key, entry);
        state.manifests.set(`${m[1]}:${digestOf(body)}`, entry);
        return void res.writeHead(201, { 'Docker-Content-Digest': digestOf(body) }).end();
      }
      const found = state.manifests.get(key);
      if (!found) return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      res.writeHead(200, { 'Content-Type': found.mediaType, 'Docker-Content-Digest': digestOf(found.bytes), 'Content-Length': found.bytes.length });
      return void res.end(method === 'HEAD' ? undefined : found.bytes);
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(path);
    if (m) {
      const digest = m[2] ?? '';
      const found = state.corrupt.get(digest) ?? state.blobs.get(digest);
      if (!found) return void res.writeHead(404).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
      res.writeHead(200, { 'Content-Length': found.length, 'Docker-Content-Digest': digest });
      return void res.end(method === 'HEAD' ? undefined : found);
    }
    if (/^\/v2\/(.+)\/blobs\/uploads\/$/.test(path) && method === 'POST') {
      const id = `u${uploads.size + 1}`;
      uploads.set(id, []);
      return void res.writeHead(202, { Location: `${path}${id}` }).end();
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/(u\d+)$/.exec(path);
    // Chunked uploads are optional in the spec; this registry has none.
    if (m && method === 'PATCH') return void res.writeHead(405).end('{"errors":[{"code":"UNSUPPORTED","message":"no chunked uploads"}]}');
    if (m && method === 'PUT') {
      const data = Buffer.concat([...(uploads.get(m[2] ?? '') ?? []), body]);
      const digest = url.searchParams.get('digest') ?? '';
      if (digestOf(data) !== digest) return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID","message":"digest"}]}');
      state.blobs.set(digest, data);
      return void res.writeHead(201, { Location: `/v2/${m[1]}/blobs/${digest}` }).end();
    }
    res.writeHead(404).end();
  }

  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  host = `${address}:${(server.address() as AddressInfo).port}`;
  return {
    host,
    ...state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
