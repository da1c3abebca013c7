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
import { isIndexType } from './mediatypes.js';

/** An image index: OCI image-spec 1.1 or a Docker manifest list (same shape). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Validates an already-decoded index object. */
export function checkIndex(value: unknown, path = 'index'): ImageIndex {
  const obj = asObject(value, path);
  const mediaType = optionalMediaType(obj, 'mediaType', path);
  if (mediaType !== undefined && !isIndexType(mediaType)) {
    fail(child(path, 'mediaType'), `not an image index media type: ${JSON.stringify(mediaType)}`);
  }
  if (obj['manifests'] == null && obj['config'] != null) fail(path, 'this is an image manifest, not an index');
  checkSchemaVersion(obj, path);
  return compact<ImageIndex>({
    schemaVersion: 2,
    mediaType,
    artifactType: optionalMediaType(obj, 'artifactType', path),
    manifests: checkDescriptorList(requiredField(obj, 'manifests', path), child(path, 'manifests')),
    subject: obj['subject'] == null ? undefined : checkDescriptor(obj['subject'], child(path, 'subject')),
    annotations: optionalStringMap(obj, 'annotations', path),
  });
}

/** Parses index JSON (bytes as fetched, or text); refuses anything malformed. */
export function parseIndex(input: Uint8Array | string): ImageIndex {
  return checkIndex(decodeJson(input, 'index'));
}
