import type { ContentStore } from '../../content/index.js';
import { notFound } from '../../lib/index.js';
import {
  hostPlatform,
  parseImageConfig,
  parseManifestOrIndex,
  selectManifest,
  type Descriptor,
  type Digest,
  type ImageConfig,
  type ImageManifest,
} from '../../oci/index.js';

/** An image target read down to the manifest and config for this host's platform. */
export interface ResolvedImage {
  target: Descriptor;
  manifestDigest: Digest;
  manifestMediaType: string;
  manifest: ImageManifest;
  config: ImageConfig;
}

const maxJsonBytes = 4 * 1024 * 1024;

/** Follows an index (choosing this host's platform) to a manifest and reads its config. */
export async function resolveTarget(content: ContentStore, target: Descriptor): Promise<ResolvedImage> {
  let descriptor = target;
  for (let depth = 0; depth < 4; depth++) {
    const parsed = parseManifestOrIndex(await content.blobs.readBytes(descriptor.digest, { maxBytes: maxJsonBytes }), descriptor.mediaType);
    if (parsed.kind === 'manifest') {
      const config = parseImageConfig(
        await content.blobs.readBytes(parsed.manifest.config.digest, { maxBytes: maxJsonBytes }),
      );
      return {
        target,
        manifestDigest: descriptor.digest,
        manifestMediaType: parsed.mediaType,
        manifest: parsed.manifest,
        config,
      };
    }
    const chosen = selectManifest(parsed.index, hostPlatform());
    if (!chosen) throw notFound(`no manifest for platform ${hostPlatform().os}/${hostPlatform().architecture} in ${descriptor.digest}`);
    descriptor = chosen;
  }
  throw notFound(`image index ${target.digest} nests too deeply`);
}
