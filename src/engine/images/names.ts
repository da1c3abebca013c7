import { invalidArgument } from '../../lib/index.js';
import { normalizeReference, parseDigest, type Digest } from '../../oci/index.js';

/**
 * Images without a name (an import without a reference, or one whose tag moved to another
 * image) are kept under this reserved name, so the metadata keeps one shape: name → target.
 * The `@` makes it impossible as a user's tag.
 */
const danglingPrefix = 'berth-dangling@';

export const danglingName = (manifest: Digest): string => `${danglingPrefix}${manifest}`;

/**
 * A build step's image (Docker's intermediate images): kept for the build cache, hidden
 * from `images` like the intermediate images `docker images` leaves out without `-a`.
 */
const intermediatePrefix = 'berth-build@';

export const intermediateName = (manifest: Digest): string => `${intermediatePrefix}${manifest}`;
export const isIntermediateName = (name: string): boolean => name.startsWith(intermediatePrefix);

/** A reserved name, never shown as one of the image's names. */
export const isDanglingName = (name: string): boolean => name.startsWith(danglingPrefix) || isIntermediateName(name);

/**
 * What a user's reference can mean: a name, an image ID prefix, or both (`abc123` could be
 * either; as Docker, the name is tried first).
 */
export interface ImageQuery {
  name?: string;
  idPrefix?: string;
}

const idPattern = /^(?:sha256:)?([a-f0-9]{1,64})$/;

export function parseImageQuery(reference: string): ImageQuery {
  if (reference === '') throw invalidArgument('empty image reference');
  const id = idPattern.exec(reference);
  if (reference.startsWith('sha256:')) {
    if (!id) parseDigest(reference);
    return { idPrefix: id?.[1] ?? '' };
  }
  if (id && (id[1] ?? '').length === 64) return { idPrefix: id[1] ?? '' };
  return { name: normalizeReference(reference), ...(id ? { idPrefix: id[1] ?? '' } : {}) };
}
