import { digestOf, parseDigest, type Digest } from '../oci/index.js';

/**
 * OCI chain IDs for a stack of layers, bottom first: chainID(L0) = diffID(L0), and
 * chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). A chain ID names a layer
 * together with everything beneath it, which is what a committed snapshot is.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const result: Digest[] = [];
  for (const diffId of diffIds) {
    const { digest } = parseDigest(diffId);
    const previous = result[result.length - 1];
    result.push(previous === undefined ? digest : digestOf(`${previous} ${digest}`));
  }
  return result;
}
