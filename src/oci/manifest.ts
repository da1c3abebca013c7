import { checkDescriptor, checkDescriptorList, type Descriptor } from './descriptor.js';
import {
  asObject,
  checkSchemaVersion,
  child,
  compact,
  decodeJson,
  fail,
  optionalMediaType,
  optionalStringMap,
  requiredField,
} from './json-check.js';
import { isManifestType } from './mediatypes.js';

/** An image manifest: OCI image-spec 1.1 or Docker v2 schema 2 (same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Validates an already-decoded manifest object. */
export function checkManifest(value: unknown, path = 'manifest'): ImageManifest {
  const obj = asObject(value, path);
  const mediaType = optionalMediaType(obj, 'mediaType', path);
  if (mediaType !== undefined && !isManifestType(mediaType)) {
    fail(child(path, 'mediaType'), `not an image manifest media type: ${JSON.stringify(mediaType)}`);
  }
  if (obj['config'] == null && Array.isArray(obj['manifests'])) fail(path, 'this is an image index, not a manifest');
  checkSchemaVersion(obj, path);
  return compact<ImageManifest>({
    schemaVersion: 2,
    mediaType,
    artifactType: optionalMediaType(obj, 'artifactType', path),
    config: checkDescriptor(requiredField(obj, 'config', path), child(path, 'config')),
    layers: checkDescriptorList(requiredField(obj, 'layers', path), child(path, 'layers')),
    subject: obj['subject'] == null ? undefined : checkDescriptor(obj['subject'], child(path, 'subject')),
    annotations: optionalStringMap(obj, 'annotations', path),
  });
}

/** Parses manifest JSON (bytes as fetched, or text); refuses anything malformed. */
export function parseManifest(input: Uint8Array | string): ImageManifest {
  return checkManifest(decodeJson(input, 'manifest'));
}
