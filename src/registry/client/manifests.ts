import { invalidArgument } from '../../lib/index.js';
import { digestOf, dockerManifest, dockerManifestList, ociIndex, ociManifest, parseDigest, type Digest } from '../../oci/index.js';
import type { RegistryClient } from './client.js';
import { readBody } from './transport.js';

export const manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest].join(', ');
export const maxManifestBytes = 4 * 1024 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string | undefined;
}

/**
 * GETs a manifest by tag or digest and proves its bytes: they must hash to the digest asked
 * for, and to the `Docker-Content-Digest` the registry claims.
 */
export async function fetchManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest> {
  const res = await client.expect(
    {
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      headers: { Accept: manifestAccept },
      scope: `repository:${repository}:pull`,
    },
    [200],
  );
  const claimed = res.headers['docker-content-digest'];
  const contentType = res.headers['content-type'];
  const bytes = await readBody(res, maxManifestBytes);
  const expected = reference.includes(':') ? reference : typeof claimed === 'string' && claimed ? claimed : undefined;
  const algorithm = expected ? parseDigest(expected).algorithm : 'sha256';
  const digest = digestOf(bytes, algorithm);
  for (const want of [reference.includes(':') ? reference : undefined, typeof claimed === 'string' ? claimed : undefined]) {
    if (want && parseDigest(want).algorithm === algorithm && want !== digest) {
      throw invalidArgument(`manifest ${repository}:${reference} from ${client.host} has digest ${digest}, expected ${want}`);
    }
  }
  return { bytes, digest: algorithm === 'sha256' ? digest : digestOf(bytes), mediaType: contentType };
}
