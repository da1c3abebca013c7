import { readdir, realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { failedPrecondition, invalidArgument, isErrno, notFound } from '../lib/index.js';
import type { Digest } from '../oci/index.js';
import { OffThreadDigester } from './digest-offload.js';
import { LayerWriter, type WhiteoutMode, type WriteOptions } from './layer-writer.js';
import { TarReader } from './tar-reader.js';

export type ApplyOptions = WriteOptions;
export type { WhiteoutMode };

const WHITEOUT_MODES: readonly string[] = ['delete', 'overlay'] satisfies WhiteoutMode[];

export interface ApplyResult {
  /** Digest of the uncompressed tar: the image config's `rootfs.diff_ids` entry. */
  diffId: Digest;
  /** Uncompressed tar size in bytes. */
  size: number;
}

/**
 * Applies an uncompressed layer tar (see openLayerStream) onto `target`, as Docker and
 * containerd do, and digests it on the way. Nothing outside `target` is ever created,
 * changed or removed; a hostile entry fails the whole apply with an invalid-argument error
 * naming it. A failed apply leaves `target` half written: callers apply into a fresh
 * snapshot and discard it on error. Bytes after the tar's end marker are read and digested
 * too, since the diffId covers the whole stream.
 *
 * With `whiteouts: 'overlay'` the target must be an empty directory that will hold this
 * layer alone (a snapshot's `PendingCommit.path`): whiteouts are then written as overlayfs
 * stores them instead of deleting, see WriteOptions and OverlayWhiteouts.
 */
export async function applyLayer(tar: Readable, target: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const mode = options.whiteouts ?? 'delete';
  if (!WHITEOUT_MODES.includes(mode)) throw invalidArgument(`unknown whiteout mode ${JSON.stringify(mode)}`);
  const { root, setgid } = await resolveTarget(target);
  if (mode === 'overlay' && (await readdir(root)).length > 0) {
    throw failedPrecondition(`layer target ${target} must be empty to apply a layer with overlay whiteouts`);
  }
  // Hashed on a worker thread: on the main thread it was a quarter of the time.
  const digester = new OffThreadDigester();
  const writer = new LayerWriter(root, setgid, options);
  const reader = new TarReader(writer);
  try {
    for await (const chunk of tar as AsyncIterable<unknown>) {
      const bytes = asBuffer(chunk);
      await digester.update(bytes);
      reader.push(bytes);
    }
    reader.end();
    writer.finish();
  } catch (err) {
    digester.abandon();
    throw err;
  } finally {
    writer.close();
  }
  return { diffId: await digester.digest(), size: digester.size };
}

async function resolveTarget(target: string): Promise<{ root: string; setgid: boolean }> {
  try {
    // The target itself may sit behind a link (e.g. /tmp); its real path is the root.
    const root = await realpath(target);
    const st = await stat(root);
    if (!st.isDirectory()) throw invalidArgument(`layer target ${target} is not a directory`);
    return { root, setgid: (st.mode & 0o2000) !== 0 };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound(`layer target ${target} does not exist`, err);
    throw err;
  }
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw invalidArgument('layer stream must yield bytes, not strings or objects');
}
