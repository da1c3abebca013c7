import { type Digest, isDigest } from '../oci/index.js';

/** Contents of `oci-layout` (image-spec "image layout"). */
export const ociLayoutJson = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`;

const indexMediaType = 'application/vnd.oci.image.index.v1+json';

/** One entry of the layout's `index.json`. */
export interface IndexEntry {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
}

/** The layout's `index.json` listing `entries`. */
export function indexJson(entries: readonly IndexEntry[]): string {
  return `${JSON.stringify({ schemaVersion: 2, mediaType: indexMediaType, manifests: entries }, null, 2)}\n`;
}

/**
 * The index entry for a named image, annotated as containerd's exporter does: the full
 * name in `io.containerd.image.name`, the tag alone in `org.opencontainers.image.ref.name`
 * (whose grammar has no `:`). Bare digest references carry the full name only.
 */
export function imageIndexEntry(name: string, target: { mediaType: string; digest: Digest; size: number }): IndexEntry {
  const annotations: Record<string, string> = { 'io.containerd.image.name': name };
  const tag = tagOf(name);
  if (tag !== undefined) annotations['org.opencontainers.image.ref.name'] = tag;
  return { mediaType: target.mediaType, digest: target.digest, size: target.size, annotations };
}

function tagOf(name: string): string | undefined {
  if (isDigest(name)) return undefined;
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (last.includes('@')) return undefined;
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : undefined;
}
