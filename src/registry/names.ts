import { isValidTag, parseDigest, type Digest } from '../oci/index.js';
import { registryError } from './errors.js';

/** distribution-spec: path components joined by `/`, each `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`. */
const namePattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** distribution's limit on a repository name. */
export const maxNameLength = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= maxNameLength && namePattern.test(name);
}

/** Throws NAME_INVALID unless `name` is a repository name the spec allows. */
export function checkRepositoryName(name: string): string {
  if (!isValidRepositoryName(name)) {
    throw registryError('NAME_INVALID', `invalid repository name ${JSON.stringify(name)}`, { detail: { name } });
  }
  return name;
}

/** Throws DIGEST_INVALID for anything that is not a supported digest. */
export function checkDigest(value: string): Digest {
  try {
    return parseDigest(value).digest;
  } catch (err) {
    throw registryError('DIGEST_INVALID', (err as Error).message, { detail: { digest: value }, cause: err });
  }
}

export type ManifestReference = { kind: 'digest'; digest: Digest } | { kind: 'tag'; tag: string };

/** A manifest reference is a digest when it holds a colon, a tag otherwise. */
export function parseManifestReference(reference: string): ManifestReference {
  if (reference.includes(':')) return { kind: 'digest', digest: checkDigest(reference) };
  if (!isValidTag(reference)) {
    throw registryError('TAG_INVALID', `invalid tag ${JSON.stringify(reference)}`, { detail: { tag: reference } });
  }
  return { kind: 'tag', tag: reference };
}
