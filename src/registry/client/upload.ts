import fs from 'node:fs';
import type http from 'node:http';
import { errorKind, invalidArgument } from '../../lib/index.js';
import type { Descriptor } from '../../oci/index.js';
import type { RegistryClient } from './client.js';
import { countingStream } from './progress.js';

export interface UploadOptions {
  /** Blobs larger than this go up in PATCH chunks; smaller ones in one PUT. */
  chunkThreshold: number;
  /** Bytes per PATCH. */
  chunkBytes: number;
  /** Times a broken chunk is resumed from the offset the registry reports, per blob. */
  maxResumes: number;
}

export const defaultUploadOptions: UploadOptions = {
  chunkThreshold: 128 * 1024 * 1024,
  chunkBytes: 64 * 1024 * 1024,
  maxResumes: 5,
};

export interface UploadTarget {
  client: RegistryClient;
  scope: string;
  /** The blob's file in the content store. */
  file: string;
  descriptor: Descriptor;
  /** Bytes the registry holds so far. */
  onProgress(done: number): void;
  /** Starts a fresh upload session (when the registry cannot say where a broken one stands); its Location. */
  restart(): Promise<string>;
}

/** A request path for a Location the registry gave: absolute URLs stay whole, relative ones keep path and query. */
export function locationPath(client: RegistryClient, location: string): string {
  if (/^https?:\/\//i.test(location)) return location;
  const url = new URL(location, `http://${client.host}/`);
  return url.pathname + url.search;
}

function locationOf(client: RegistryClient, res: http.IncomingMessage, what: string): string {
  const location = res.headers.location;
  if (!location) throw invalidArgument(`registry ${client.host} answered ${what} without a Location`);
  return location;
}

/** Adds `digest=` to an upload's Location (which may already carry a query, as distribution's `_state`). */
function withDigest(client: RegistryClient, location: string, digest: string): string {
  const url = new URL(location, `http://${client.host}/`);
  url.searchParams.set('digest', digest);
  return /^https?:\/\//i.test(location) ? url.href : url.pathname + url.search;
}

/**
 * Sends a blob into the upload session at `location` and closes it: one PUT with the whole
 * body for a small blob; for a large one PATCHes of `chunkBytes` with `Content-Range`, each
 * continuing at the Location the last answer gave, then an empty PUT `?digest=` (or one
 * whole PUT when the registry refuses PATCH with 405/501). When a chunk breaks off
 * (connection lost, 5xx), the upload's status (`GET`, `Range: 0-N`) says how much
 * arrived, and sending resumes there.
 */
export async function uploadBlob(target: UploadTarget, startLocation: string, options: UploadOptions = defaultUploadOptions): Promise<void> {
  const size = target.descriptor.size;
  if (size <= options.chunkThreshold) return uploadWhole(target, startLocation);
  return uploadChunks(target, startLocation, options);
}

/** One PUT `?digest=` carrying the whole blob. */
async function uploadWhole(target: UploadTarget, location: string): Promise<void> {
  const { client, descriptor, scope, file } = target;
  const put = await client.expect(
    {
      method: 'PUT',
      path: withDigest(client, location, descriptor.digest),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(descriptor.size) },
      body: () => fs.createReadStream(file).pipe(countingStream(target.onProgress)),
      scope,
    },
    [201],
  );
  put.resume();
}

async function uploadChunks(target: UploadTarget, startLocation: string, options: UploadOptions): Promise<void> {
  const { client, descriptor, scope, file } = target;
  const size = descriptor.size;
  let location = startLocation;
  let offset = 0;
  let resumes = 0;
  // After a status of `0-0` (nothing, or one byte: distribution writes both so) a 416 means one byte.
  let ambiguous = false;
  while (offset < size) {
    const end = Math.min(size, offset + options.chunkBytes) - 1;
    const start = offset;
    let res: http.IncomingMessage;
    try {
      res = await client.request({
        method: 'PATCH',
        path: locationPath(client, location),
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(end - start + 1),
          'Content-Range': `${start}-${end}`,
        },
        body: () => fs.createReadStream(file, { start, end }).pipe(countingStream((done) => target.onProgress(start + done))),
        scope,
      });
    } catch (err) {
      if (errorKind(err) !== 'unavailable' || resumes >= options.maxResumes) throw err;
      resumes++;
      ({ location, offset, ambiguous } = await resumePoint(target, location, size));
      target.onProgress(offset);
      continue;
    }
    // A registry without chunked uploads (the spec makes them optional) takes the blob whole.
    if ((res.statusCode === 405 || res.statusCode === 501) && start === 0) {
      res.resume();
      return uploadWhole(target, location);
    }
    if (res.statusCode === 416 && ambiguous && start === 0) {
      res.resume();
      ambiguous = false;
      offset = 1;
      continue;
    }
    if (res.statusCode !== 202) {
      const error = await client.errorOf(res, `PATCH ${location}`);
      if ((res.statusCode ?? 0) < 500 || resumes >= options.maxResumes) throw error;
      resumes++;
      ({ location, offset, ambiguous } = await resumePoint(target, location, size));
      continue;
    }
    res.resume();
    location = locationOf(client, res, 'a chunk');
    offset = end + 1;
    ambiguous = false;
  }
  const put = await client.expect(
    { method: 'PUT', path: withDigest(client, location, descriptor.digest), headers: { 'Content-Length': '0' }, body: Buffer.alloc(0), scope },
    [201],
  );
  put.resume();
}

/**
 * Where to go on after a broken chunk: the session's status, or — when the registry no
 * longer accepts the session (distribution refuses one whose stored size moved past its
 * signed state) — a fresh session from byte 0.
 */
async function resumePoint(target: UploadTarget, location: string, size: number): Promise<{ location: string; offset: number; ambiguous: boolean }> {
  try {
    return await uploadStatus(target.client, location, target.scope, size);
  } catch (err) {
    if (errorKind(err) === 'unavailable') throw err;
    return { location: await target.restart(), offset: 0, ambiguous: false };
  }
}

/**
 * `GET` an upload's status: where to continue and how many bytes the registry holds. A
 * Location carrying upload state (distribution's `_state`) goes stale when a chunk broke
 * off after part of it was stored, so the bare session URL is asked next.
 */
async function uploadStatus(
  client: RegistryClient,
  location: string,
  scope: string,
  size: number,
): Promise<{ location: string; offset: number; ambiguous: boolean }> {
  const bare = location.split('?')[0] as string;
  let res = await client.request({ method: 'GET', path: locationPath(client, location), scope });
  if (res.statusCode !== 204 && bare !== location) {
    res.resume();
    res = await client.request({ method: 'GET', path: locationPath(client, bare), scope });
  }
  if (res.statusCode !== 204) throw await client.errorOf(res, `GET ${bare}`);
  res.resume();
  const range = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? '').trim());
  if (!range) throw invalidArgument(`registry ${client.host} reported upload status without a usable Range: ${String(res.headers.range)}`);
  const last = Number(range[1]);
  const offset = last === 0 ? 0 : last + 1;
  if (offset > size) throw invalidArgument(`registry ${client.host} holds ${offset} bytes of a ${size}-byte upload`);
  return { location: res.headers.location ?? location, offset, ambiguous: last === 0 };
}

/** Cancels an upload session the push will not use (a mount attempt that started one). */
export async function cancelUpload(client: RegistryClient, location: string, scope: string): Promise<void> {
  try {
    (await client.request({ method: 'DELETE', path: locationPath(client, location), scope })).resume();
  } catch {
    // A session left behind expires on the registry; the push does not depend on it.
  }
}
