import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/** A request body that can be sent again (after a 401 or a redirect). */
export type Body = Buffer | (() => Readable);

export interface SendOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Body;
}

const maxRedirects = 5;

/** One HTTP exchange over node's clients, following redirects for GET and HEAD. */
export async function send(url: URL, options: SendOptions): Promise<http.IncomingMessage> {
  let target = url;
  let headers = { ...(options.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(target, options.method, headers, options.body);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    const redirectable = options.method === 'GET' || options.method === 'HEAD';
    if (!redirectable || !location || ![301, 302, 303, 307, 308].includes(status) || hop >= maxRedirects) return res;
    res.resume();
    const next = new URL(location, target);
    // Credentials are for the registry, not for wherever it sends the download.
    if (next.host !== target.host) {
      headers = { ...headers };
      delete headers['Authorization'];
    }
    target = next;
  }
}

function sendOnce(url: URL, method: string, headers: Record<string, string>, body: Body | undefined): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : body();
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers }, resolve);
    req.on('error', reject);
    if (payload === undefined) req.end();
    else if (Buffer.isBuffer(payload)) req.end(payload);
    else {
      payload.on('error', (err) => req.destroy(err));
      payload.pipe(req);
    }
  });
}

/** Reads a (small) response body whole. */
export async function readBody(res: http.IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
