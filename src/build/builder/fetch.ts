import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { invalidArgument, unavailable } from '../../lib/index.js';
import type { FetchRemote } from '../context/index.js';

/**
 * ADD's downloader (moby's remote source): a GET that must answer 2xx; the file is named
 * after the URL's last path segment (Content-Disposition is ignored, as Docker does) and
 * keeps the server's Last-Modified as its mtime.
 */
export const fetchRemote: FetchRemote = async (url) => {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw unavailable(`failed to GET ${url}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw invalidArgument(`failed to GET ${url} with status ${response.status} ${response.statusText}`);
  }
  const modified = response.headers.get('last-modified');
  const lastModified = modified === null ? undefined : new Date(modified);
  const fileName = path.posix.basename(new URL(response.url || url).pathname);
  return {
    body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    fileName,
    ...(lastModified !== undefined && !Number.isNaN(lastModified.getTime()) ? { lastModified } : {}),
  };
};
