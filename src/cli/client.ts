import http from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError, type ErrorKind } from '../lib/errors.js';

/** Where a Docker Engine API answers: a unix socket or a TCP host:port. */
export type Endpoint = { socketPath: string } | { host: string; port: number };

export interface RequestOptions {
  query?: Record<string, string | string[] | boolean | undefined>;
  body?: Readable | object;
}

const kindOfStatus: Record<number, ErrorKind> = {
  400: 'invalid-argument',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  412: 'failed-precondition',
  503: 'unavailable',
};

/** A small Docker Engine API client: the `berth` verbs speak only this. */
export class ApiClient {
  constructor(readonly endpoint: Endpoint) {}

  request(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const body = options.body;
    const streaming = body !== undefined && typeof (body as Readable).pipe === 'function';
    const json = body !== undefined && !streaming ? JSON.stringify(body) : undefined;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...this.endpoint,
          method,
          path: apiPath(path, options.query),
          headers: {
            ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(streaming ? { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' } : {}),
          },
        },
        (res) => {
          if ((res.statusCode ?? 500) < 400) return resolve(res);
          void errorOf(res).then(reject, reject);
        },
      );
      req.on('error', (err) => reject(new BerthError('unavailable', `cannot reach berth at ${describe(this.endpoint)}: ${err.message}`)));
      if (streaming) (body as Readable).pipe(req);
      else req.end(json);
    });
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const res = await this.request(method, path, options);
    const text = await readAll(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Reads a newline-delimited JSON message stream, failing on the first `errorDetail`. */
  async messages(res: http.IncomingMessage, onMessage: (message: JsonMessage) => void): Promise<void> {
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) handle(JSON.parse(line) as JsonMessage);
      }
    }
    if (buffered.trim()) handle(JSON.parse(buffered) as JsonMessage);
    function handle(message: JsonMessage): void {
      if (message.errorDetail || message.error) {
        throw new BerthError('internal', message.errorDetail?.message ?? message.error ?? 'unknown error');
      }
      onMessage(message);
    }
  }
}

export interface JsonMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message: string };
  /** A build's image ID (`{"aux":{"ID":"sha256:…"}}`). */
  aux?: { ID?: string };
}

export type Query = RequestOptions['query'];

/** The versioned request path with its query string. */
export function apiPath(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value === true ? '1' : value]) search.append(key, v);
  }
  const qs = search.toString();
  return `/v1.51${path}${qs ? `?${qs}` : ''}`;
}

/** The error an API error response stands for: its `{"message"}`, its status as a kind. */
export async function errorOf(res: http.IncomingMessage): Promise<BerthError> {
  const text = await readAll(res);
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the raw text
  }
  return new BerthError(kindOfStatus[res.statusCode ?? 500] ?? 'internal', message || `HTTP ${res.statusCode ?? 500} ${res.statusMessage ?? ''}`.trim());
}

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function describe(endpoint: Endpoint): string {
  return 'socketPath' in endpoint ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** Parses `unix:///path` or `tcp://host:port` (the forms DOCKER_HOST takes). */
export function parseEndpoint(value: string): Endpoint {
  if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) };
  const tcp = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(value);
  if (tcp) return { host: (tcp[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  throw new BerthError('invalid-argument', `invalid host ${JSON.stringify(value)}: use unix:///path or tcp://host:port`);
}
