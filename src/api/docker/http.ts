import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorKind, httpStatusOf, invalidArgument } from '../../lib/index.js';

/**
 * A request that arrived with `Upgrade: tcp` (attach, exec start): the raw socket, the
 * request body already read off it, and the bytes after the body (early stdin).
 */
export interface UpgradedConnection {
  socket: Duplex;
  body: Buffer;
  head: Buffer;
  /** Set once `101 UPGRADED` has been written: from then on the socket is a raw stream. */
  hijacked?: boolean;
}

/** What a route handler gets: the request, the response, path captures and the query. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  /** Set when the client asked to hijack the connection; `res` still answers errors. */
  upgrade?: UpgradedConnection;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

/** A small method + regex router; routes are tried in the order they were added. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  match(method: string, path: string): { handler: RouteHandler; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const m = route.pattern.exec(path);
      if (m) return { handler: route.handler, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
    }
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Docker's error body: `{"message": …}` with exactly `application/json`. */
export function sendError(res: ServerResponse, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const status = httpStatusOf(errorKind(err));
  if (res.headersSent) {
    // A streaming answer has begun: report in-band, as Docker's JSON message streams do.
    res.end(JSON.stringify({ errorDetail: { message }, error: message }) + '\n');
    return;
  }
  sendJson(res, status, { message });
}

/** Starts a newline-delimited JSON message stream (pull, push, load, import, build). */
export function startJsonStream(res: ServerResponse): (message: object) => void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  return (message) => {
    res.write(JSON.stringify(message) + '\n');
  };
}

/** The request body as JSON (`{}` when empty); from the socket when the request was upgraded. */
export async function readJsonBody(ctx: Pick<RouteContext, 'req' | 'upgrade'>): Promise<unknown> {
  let body: Buffer;
  if (ctx.upgrade) {
    body = ctx.upgrade.body;
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks);
  }
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(`invalid JSON in request body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** An optional integer query parameter; a malformed one is a 400 that names it. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidArgument(`invalid value for ${name}: ${raw}`);
  return Number(raw);
}

/** Docker filters arrive as JSON: `{"dangling":["true"]}` or the older `{"dangling":{"true":true}}`. */
export function parseFilters(query: URLSearchParams): Map<string, string[]> {
  const raw = query.get('filters');
  const filters = new Map<string, string[]>();
  if (!raw) return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter JSON: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null) return filters;
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) filters.set(key, value.map(String));
    else if (typeof value === 'object' && value !== null) filters.set(key, Object.keys(value));
  }
  return filters;
}
