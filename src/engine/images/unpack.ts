import type { ContentStore } from '../../content/index.js';
import { chainIds, openLayerStream, unpackLayer, type Snapshotter } from '../../layers/index.js';
import { invalidArgument } from '../../lib/index.js';
import type { Digest } from '../../oci/index.js';
import type { ResolvedImage } from './resolve.js';

/**
 * Makes sure every layer of an image is extracted as a committed snapshot, bottom up, and
 * returns the chain ID of the top one. Layers already unpacked (by this or another image
 * sharing them) are not read again.
 */
export async function unpackImage(content: ContentStore, snapshots: Snapshotter, image: ResolvedImage): Promise<Digest | undefined> {
  const diffIds = image.config.rootfs.diff_ids;
  const { layers } = image.manifest;
  if (diffIds.length !== layers.length) {
    throw invalidArgument(`image ${image.manifest.config.digest}: ${layers.length} layers but ${diffIds.length} diff_ids`);
  }
  const chain = chainIds(diffIds);
  let parent: Digest | undefined;
  for (const [i, layer] of layers.entries()) {
    const chainId = chain[i] as Digest;
    await unpackLayer(snapshots, {
      chainId,
      parent,
      expectedDiffId: diffIds[i] as Digest,
      open: async () => openLayerStream(await content.blobs.createReadStream(layer.digest)),
    });
    parent = chainId;
  }
  return parent;
}

/** Every chain ID an image needs (all prefixes of its layer chain). */
export function imageChainIds(image: ResolvedImage): Digest[] {
  return chainIds(image.config.rootfs.diff_ids);
}
