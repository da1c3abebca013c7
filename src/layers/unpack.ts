import type { Readable } from 'node:stream';
import { invalidArgument, isAlreadyExists } from '../lib/index.js';
import { parseDigest, type Digest } from '../oci/index.js';
import { applyLayer } from './apply.js';
import { chainIdOf } from './snapshots-chain.js';
import type { PendingCommit, SnapshotInfo, SnapshotReader, SnapshotWriter } from './snapshots.js';

export interface UnpackRequest {
  /** Chain ID of the layer on its parent: names the snapshot. */
  chainId: Digest;
  /** Chain ID of the snapshot beneath; undefined for a bottom layer. */
  parent?: Digest | undefined;
  /** The image config's diff_id for the layer: digest of its uncompressed tar. */
  expectedDiffId: Digest;
  /** Opens the layer's uncompressed tar (see openLayerStream); called only if needed. */
  open: () => Promise<Readable>;
}

/**
 * Unpacks one image layer into the committed snapshot `chainId`, on top of the snapshot
 * `parent` (none for a bottom layer), as containerd's unpacker does with its
 * overlay snapshotter: the layer is applied alone into the snapshot's own directory with
 * whiteouts in overlayfs form, then committed.
 *
 * `open` gives the layer's uncompressed tar (see openLayerStream) and is called only when
 * the snapshot has to be made: an existing `chainId` is returned as is, without reading
 * anything. The tar must digest to `expectedDiffId` (the image config's diff_id) and
 * `chainId` must be the chain ID of that diff_id on `parent`; otherwise the
 * snapshot is discarded and the call fails with invalid-argument. So does a hostile or
 * corrupt layer; any failure leaves no snapshot behind.
 */
export async function unpackLayer(
  snapshotter: SnapshotReader & SnapshotWriter,
  request: UnpackRequest,
): Promise<SnapshotInfo> {
  const { chainId, parent: parentChainId, expectedDiffId, open } = request;
  const expectedChain = chainIdOf(parentChainId, expectedDiffId);
  if (parseDigest(chainId).digest !== expectedChain) {
    throw invalidArgument(
      `chain ID ${chainId} does not match diff ID ${expectedDiffId} on ${parentChainId ?? 'no parent'} (expected ${expectedChain})`,
    );
  }
  if (snapshotter.has(chainId)) return snapshotter.get(chainId);
  let pending: PendingCommit;
  try {
    pending = await snapshotter.prepareCommit(chainId, parentChainId);
  } catch (err) {
    // Committed by someone else since has().
    if (isAlreadyExists(err)) return snapshotter.get(chainId);
    throw err;
  }
  let tar: Readable | undefined;
  try {
    const parentLayers = parentChainId === undefined ? [] : snapshotter.lowerDirs(parentChainId);
    tar = await open();
    const { diffId } = await applyLayer(tar, pending.path, { whiteouts: 'overlay', parentLayers });
    if (diffId !== parseDigest(expectedDiffId).digest) {
      throw invalidArgument(`layer ${chainId}: content has diff ID ${diffId}, expected ${expectedDiffId}`);
    }
  } catch (err) {
    tar?.destroy();
    await pending.abort().catch(() => undefined);
    throw err;
  }
  // A concurrent unpack of the same chain may have committed first: commit returns its.
  return pending.commit();
}
