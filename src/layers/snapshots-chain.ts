import { digestOf, parseDigest, type Digest } from '../oci/index.js';

/**
 * OCI chain IDs for a stack of layers, bottom first: chainID(L0) = diffID(L0), and
 * chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). A chain ID names a layer
 * together with everything beneath it, which is what a committed snapshot is.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const result: Digest[] = [];
  for (const diffId of diffIds) result.push(chainIdOf(result[result.length - 1], diffId));
  return result;
}

/** The chain ID of layer `diffId` on top of the chain `parent` (none for a bottom layer). */
export function chainIdOf(parent: Digest | undefined, diffId: Digest): Digest {
  const { digest } = parseDigest(diffId);
  return parent === undefined ? digest : digestOf(`${parseDigest(parent).digest} ${digest}`);
}
