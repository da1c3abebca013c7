import { open } from 'node:fs/promises';
import { isErrno, isNotFound } from '../lib/index.js';
import { type Digest, isDigest } from '../oci/index.js';
import type { BlobProvider } from './blobs.js';

/** A blob a manifest or index points at; `walk` when it may itself point at more. */
export interface ChildRef {
  digest: Digest;
  walk: boolean;
}

/** Image manifests and indexes are capped at 4 MiB by registries; larger blobs are leaves. */
export const maxDocumentBytes = 4 * 1024 * 1024;

/**
 * The descriptors a manifest or an index (OCI or Docker schema 2) points at: `manifests[]`
 * and `subject` may lead further, `config` and `layers[]` are leaves. Anything else — a
 * config, a malformed document — has no children. A local reader on purpose: GC needs
 * only these four fields and must tolerate every document it meets.
 */
export function childrenOf(document: unknown): ChildRef[] {
  if (!isObject(document)) return [];
  const children: ChildRef[] = [];
  const add = (value: unknown, walk: boolean): void => {
    if (isObject(value) && typeof value.digest === 'string' && isDigest(value.digest)) {
      children.push({ digest: value.digest, walk });
    }
  };
  if (Array.isArray(document.manifests)) for (const item of document.manifests) add(item, true);
  add(document.subject, true);
  add(document.config, false);
  if (Array.isArray(document.layers)) for (const item of document.layers) add(item, false);
  return children;
}

/**
 * The blob parsed as JSON if it could be a manifest or index: present, at most
 * `maxDocumentBytes`, starting with `{`. Otherwise undefined (a missing blob is no error).
 */
export async function readDocument(blobs: BlobProvider, digest: Digest): Promise<unknown> {
  try {
    const { size } = await blobs.info(digest);
    if (size > maxDocumentBytes || !(await startsLikeObject(await blobs.path(digest)))) return undefined;
    return JSON.parse((await blobs.readBytes(digest, { maxBytes: maxDocumentBytes })).toString('utf8'));
  } catch (err) {
    if (isNotFound(err) || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Sniffs the first non-blank byte, so a leased layer is not read whole just to be refused. */
async function startsLikeObject(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('latin1').trimStart();
    return text.startsWith('{') || (text === '' && bytesRead === buffer.length);
  } finally {
    await handle.close();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
