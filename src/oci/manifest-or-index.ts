import { invalidArgument } from '../lib/index.js';
import { checkIndex, type ImageIndex } from './index-manifest.js';
import { asObject, decodeJson } from './json-check.js';
import { checkManifest, type ImageManifest } from './manifest.js';
import { baseMediaType, isIndexType, isManifestType, isSchema1Type, ociIndex, ociManifest } from './mediatypes.js';

export type ManifestOrIndex =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

/**
 * Parses whatever a registry or a layout returned for a manifest reference. The `mediaType`
 * field decides; the hint (a Content-Type) counts only when it names a manifest or index
 * type, and then must agree with the field, as registries insist on push. Without either,
 * the shape decides (`manifests` → index, `config`/`layers` → manifest).
 */
export function parseManifestOrIndex(input: Uint8Array | string, mediaTypeHint?: string): ManifestOrIndex {
  if (mediaTypeHint !== undefined && isSchema1Type(mediaTypeHint)) {
    throw invalidArgument(`manifest: Docker schema 1 (${baseMediaType(mediaTypeHint)}) is not supported`);
  }
  const value = decodeJson(input, 'manifest');
  const obj = asObject(value, 'manifest');
  const field = typeof obj['mediaType'] === 'string' ? baseMediaType(obj['mediaType']) : undefined;
  if (field !== undefined && isSchema1Type(field)) {
    throw invalidArgument(`manifest: Docker schema 1 (${field}) is not supported`);
  }
  if (obj['schemaVersion'] === 1) throw invalidArgument('manifest: Docker schema 1 is not supported');

  const hint = mediaTypeHint !== undefined && (isManifestType(mediaTypeHint) || isIndexType(mediaTypeHint))
    ? baseMediaType(mediaTypeHint)
    : undefined;
  if (field !== undefined && hint !== undefined && field !== hint) {
    throw invalidArgument(`manifest.mediaType: ${JSON.stringify(field)} does not match the expected ${hint}`);
  }
  const declared = field ?? hint;
  const isIndex = declared !== undefined
    ? isIndexType(declared)
    : Array.isArray(obj['manifests']) && obj['config'] === undefined && obj['layers'] === undefined;
  if (declared !== undefined && !isIndex && !isManifestType(declared)) {
    throw invalidArgument(`manifest.mediaType: not a manifest or index media type: ${JSON.stringify(declared)}`);
  }
  if (isIndex) return { kind: 'index', mediaType: declared ?? ociIndex, index: checkIndex(value) };
  return { kind: 'manifest', mediaType: declared ?? ociManifest, manifest: checkManifest(value) };
}
