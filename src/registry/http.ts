import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { errorKind, httpStatusOf } from '../lib/index.js';
import { RegistryError, registryError, statusOf } from './errors.js';
import type { Page } from './repositories.js';
import { parseRangeHeader, uploadRange } from './ranges.js';
import type { PageRequest, Registry } from './registry.js';
import { matchRoute, type Route } from './routes.js';
import type { UploadState } from './uploads.js';
import { allowAll, type Identity, type RegistryAuth } from './auth/access.js';
import { TokenAuth } from './auth/token.js';
import { serveToken } from './token-http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  identity: Identity;
}

export interface RegistryHandlerOptions {
  /** Without it every request is allowed. */
  auth?: RegistryAuth;
}

/**
 * The distribution-spec HTTP API over a Registry. Handlers only translate: path, query and
 * headers in, the Registry's answer or error out as the spec's status, headers and body.
 */
export function registryHandler(registry: Registry, options: RegistryHandlerOptions = {}): Handler {
  const { auth } = options;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (auth instanceof TokenAuth && url.pathname === '/token') {
      serveToken(auth, req, res, url).catch((err: unknown) => sendError(req, res, err));
      return;
    }
    authorize(auth, req, res, url)
      .then((identity) => dispatch(registry, { req, res, url, identity }))
      .catch((err: unknown) => sendError(req, res, err));
  };
}

/** Asks `auth` about the request; a refusal becomes the spec's 401 with the scheme's challenge. */
async function authorize(auth: RegistryAuth | undefined, req: IncomingMessage, res: ServerResponse, url: URL): Promise<Identity> {
  if (!auth) return allowAll;
  const decision = await auth.authorize(req.headers, matchRoute(url.pathname), req.method ?? 'GET');
  if ('identity' in decision) return decision.identity;
  const { challenge, message, needed } = decision.refusal;
  res.setHeader('WWW-Authenticate', challenge);
  throw registryError('UNAUTHORIZED', message, needed ? { detail: [{ Type: needed.type, Name: needed.name, Action: needed.actions.join(',') }] } : {});
}

async function dispatch(registry: Registry, r: Request): Promise<void> {
  const route = matchRoute(r.url.pathname);
  if (!route) throw registryError('UNSUPPORTED', `no endpoint at ${r.url.pathname}`, { status: 404 });
  const method = r.req.method ?? 'GET';
  const handler = handlers[route.kind][method === 'HEAD' && route.kind !== 'manifest' && route.kind !== 'blob' ? 'GET' : method];
  if (!handler) throw registryError('UNSUPPORTED', `${method} is not supported on ${r.url.pathname}`);
  await handler(registry, route, r);
}

type RouteHandler = (registry: Registry, route: Route, r: Request) => Promise<void>;

const handlers: Record<Route['kind'], Record<string, RouteHandler>> = {
  base: { GET: async (_registry, _route, r) => sendJson(r, 200, {}) },
  catalog: {
    GET: async (registry, _route, r) => {
      const page = pageRequest(r.url);
      const result = registry.catalog(page);
      sendPage(r, result, page, '/v2/_catalog');
      sendJson(r, 200, { repositories: result.items });
    },
  },
  tags: {
    GET: async (registry, route, r) => {
      const name = nameOf(route);
      const page = pageRequest(r.url);
      const result = registry.tags(name, page);
      sendPage(r, result, page, `/v2/${name}/tags/list`);
      sendJson(r, 200, { name, tags: result.items });
    },
  },
  blob: {
    HEAD: async (registry, route, r) => {
      const info = await registry.statBlob(nameOf(route), field(route, 'digest'));
      blobHeaders(r, info.digest);
      r.res.setHeader('Content-Length', info.size);
      r.res.writeHead(200).end();
    },
    GET: async (registry, route, r) => {
      const name = nameOf(route);
      const info = await registry.statBlob(name, field(route, 'digest'));
      blobHeaders(r, info.digest);
      const range = parseRangeHeader(header(r, 'range'), info.size);
      if (range === 'unsatisfiable') {
        r.res.setHeader('Content-Range', `bytes */${info.size}`);
        throw registryError('RANGE_INVALID', `range ${header(r, 'range') ?? ''} not satisfiable for ${info.size} bytes`);
      }
      const stream = await registry.readBlob(name, info.digest, range);
      if (range) {
        r.res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
        r.res.setHeader('Content-Length', range.end - range.start + 1);
        r.res.writeHead(206);
      } else {
        r.res.setHeader('Content-Length', info.size);
        r.res.writeHead(200);
      }
      await pipeline(stream, r.res);
    },
    DELETE: async (registry, route, r) => {
      await registry.deleteBlob(nameOf(route), field(route, 'digest'));
      r.res.writeHead(202, { 'Content-Length': 0 }).end();
    },
  },
  uploads: {
    POST: async (registry, route, r) => {
      const name = nameOf(route);
      const from = r.url.searchParams.get('from') ?? '';
      // A mount from a repository the caller may not read is a plain upload, as distribution does.
      const mount = r.identity.allows({ type: 'repository', name: from, actions: ['pull'] }) ? r.url.searchParams.get('mount') : null;
      const digest = r.url.searchParams.get('digest');
      if (mount !== null) {
        r.req.resume();
        if (await registry.mountBlob(name, mount, from)) return sendCreated(r, name, mount);
        return sendUpload(r, 202, name, await registry.startUpload(name));
      }
      if (digest !== null) {
        const pushed = await registry.pushBlob(name, digest, r.req, contentLength(r));
        return sendCreated(r, name, pushed);
      }
      r.req.resume();
      sendUpload(r, 202, name, await registry.startUpload(name));
    },
  },
  upload: {
    GET: async (registry, route, r) => {
      const name = nameOf(route);
      sendUpload(r, 204, name, await registry.uploadStatus(name, field(route, 'id')));
    },
    PATCH: async (registry, route, r) => {
      const name = nameOf(route);
      const state = await registry.appendUpload(name, field(route, 'id'), r.req, header(r, 'content-range'));
      sendUpload(r, 202, name, state);
    },
    PUT: async (registry, route, r) => {
      const name = nameOf(route);
      const digest = r.url.searchParams.get('digest');
      if (digest === null) {
        r.req.resume();
        throw registryError('DIGEST_INVALID', 'the final PUT of an upload needs ?digest=');
      }
      const hasBody = (contentLength(r) ?? 0) > 0 || header(r, 'transfer-encoding') !== undefined;
      if (!hasBody) r.req.resume();
      const pushed = await registry.completeUpload(name, field(route, 'id'), digest, hasBody ? r.req : undefined, header(r, 'content-range'));
      sendCreated(r, name, pushed);
    },
    DELETE: async (registry, route, r) => {
      await registry.cancelUpload(nameOf(route), field(route, 'id'));
      r.res.writeHead(204).end();
    },
  },
  manifest: {
    PUT: async (registry, route, r) => {
      const name = nameOf(route);
      const body = await readBody(r.req, 4 * 1024 * 1024);
      const pushed = await registry.putManifest(name, field(route, 'reference'), body, header(r, 'content-type'));
      r.res.setHeader('Location', `/v2/${name}/manifests/${pushed.digest}`);
      r.res.setHeader('Docker-Content-Digest', pushed.digest);
      if (pushed.subject !== undefined) r.res.setHeader('OCI-Subject', pushed.subject);
      r.res.writeHead(201, { 'Content-Length': 0 }).end();
    },
    GET: async (registry, route, r) => {
      const manifest = await registry.getManifest(nameOf(route), field(route, 'reference'));
      manifestHeaders(r, manifest.record.mediaType, manifest.record.digest, manifest.bytes.length);
      r.res.writeHead(200).end(manifest.bytes);
    },
    HEAD: async (registry, route, r) => {
      const manifest = await registry.getManifest(nameOf(route), field(route, 'reference'));
      manifestHeaders(r, manifest.record.mediaType, manifest.record.digest, manifest.bytes.length);
      r.res.writeHead(200).end();
    },
    DELETE: async (registry, route, r) => {
      await registry.deleteManifest(nameOf(route), field(route, 'reference'));
      r.res.writeHead(202, { 'Content-Length': 0 }).end();
    },
  },
  referrers: {
    GET: async (registry, route, r) => {
      const artifactType = r.url.searchParams.get('artifactType') ?? undefined;
      const result = registry.referrers(nameOf(route), field(route, 'digest'), artifactType);
      if (result.filtered) r.res.setHeader('OCI-Filters-Applied', 'artifactType');
      sendJson(r, 200, result.index, result.index.mediaType);
    },
  },
};

function nameOf(route: Route): string {
  return 'name' in route ? route.name : '';
}

function field(route: Route, key: 'digest' | 'reference' | 'id'): string {
  const value = (route as Partial<Record<typeof key, string>>)[key];
  return value ?? '';
}

function header(r: Request, name: string): string | undefined {
  const value = r.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function contentLength(r: Request): number | undefined {
  const value = header(r, 'content-length');
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function pageRequest(url: URL): PageRequest {
  const page: PageRequest = {};
  const n = url.searchParams.get('n');
  if (n !== null && n !== '') {
    const value = Number(n);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw registryError('PAGINATION_NUMBER_INVALID', `invalid page size ${JSON.stringify(n)}`, { detail: { n } });
    }
    page.n = value;
  }
  const last = url.searchParams.get('last');
  if (last !== null) page.last = last;
  return page;
}

/** Adds the `Link: <…>; rel="next"` header when another page follows. */
function sendPage(r: Request, result: Page, page: PageRequest, path: string): void {
  const last = result.items.at(-1);
  if (!result.more || last === undefined || page.n === undefined) return;
  const query = new URLSearchParams({ n: String(page.n), last });
  r.res.setHeader('Link', `<${path}?${query.toString()}>; rel="next"`);
}

function blobHeaders(r: Request, digest: string): void {
  r.res.setHeader('Docker-Content-Digest', digest);
  r.res.setHeader('Accept-Ranges', 'bytes');
  r.res.setHeader('Content-Type', 'application/octet-stream');
  r.res.setHeader('ETag', `"${digest}"`);
}

function manifestHeaders(r: Request, mediaType: string, digest: string, size: number): void {
  r.res.setHeader('Content-Type', mediaType);
  r.res.setHeader('Docker-Content-Digest', digest);
  r.res.setHeader('Content-Length', size);
  r.res.setHeader('ETag', `"${digest}"`);
}

function sendCreated(r: Request, name: string, digest: string): void {
  r.res.setHeader('Location', `/v2/${name}/blobs/${digest}`);
  r.res.setHeader('Docker-Content-Digest', digest);
  r.res.writeHead(201, { 'Content-Length': 0 }).end();
}

function sendUpload(r: Request, status: number, name: string, state: UploadState): void {
  r.res.setHeader('Location', `/v2/${name}/blobs/uploads/${state.id}`);
  r.res.setHeader('Range', uploadRange(state.offset));
  r.res.setHeader('Docker-Upload-UUID', state.id);
  r.res.writeHead(status, { 'Content-Length': 0 }).end();
}

function sendJson(r: Request, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  r.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  r.res.end(r.req.method === 'HEAD' ? undefined : text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw registryError('SIZE_INVALID', `body is larger than ${limit} bytes`, { status: 413 });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const registryErr = err instanceof RegistryError ? err : undefined;
  const status = registryErr ? statusOf(registryErr) : httpStatusOf(errorKind(err));
  const code = registryErr?.code ?? (status === 404 ? 'NAME_UNKNOWN' : 'UNKNOWN');
  const message = err instanceof Error ? err.message : String(err);
  const entry: Record<string, unknown> = { code, message };
  if (registryErr?.detail !== undefined) entry['detail'] = registryErr.detail;
  const detail = registryErr?.detail as { range?: unknown } | undefined;
  if (status === 416 && typeof detail?.range === 'string') res.setHeader('Range', detail.range);
  if (req.url && registryErr?.code === 'BLOB_UPLOAD_INVALID' && status === 416) {
    res.setHeader('Location', new URL(req.url, 'http://registry.invalid').pathname);
  }
  const text = JSON.stringify({ errors: [entry] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
  // An unread request body would otherwise hold the connection.
  if (!req.readableEnded) req.resume();
}
