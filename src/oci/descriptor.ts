import { digestOf, parseDigest, type Digest } from './digest.js';
import {
  asArray,
  asDigest,
  asNonNegativeInteger,
  asObject,
  asString,
  child,
  compact,
  fail,
  optionalMediaType,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  requiredField,
  type JsonObject,
} from './json-check.js';
import { ociEmpty } from './mediatypes.js';
import type { Platform } from './platform.js';

/** image-spec descriptor: a typed, sized, content-addressed pointer to a blob. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  /** Base64 of the blob itself, embedded for small blobs. */
  data?: string;
}

/** The `{}` blob image-spec 1.1 uses as config (and layer) of artifacts. */
export const emptyJsonDescriptor: Readonly<Descriptor> = Object.freeze({
  mediaType: ociEmpty,
  digest: digestOf('{}'),
  size: 2,
  data: 'e30=',
});

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks a decoded platform object; `path` names it in errors. */
export function checkPlatform(value: unknown, path: string): Platform {
  const obj = asObject(value, path);
  const os = asString(requiredField(obj, 'os', path), child(path, 'os'));
  const architecture = asString(requiredField(obj, 'architecture', path), child(path, 'architecture'));
  return compact<Platform>({
    os,
    architecture,
    variant: optionalString(obj, 'variant', path),
    'os.version': optionalString(obj, 'os.version', path),
    'os.features': optionalStringArray(obj, 'os.features', path),
  });
}

/** Checks a decoded descriptor; embedded `data` must match its digest and size. */
export function checkDescriptor(value: unknown, path: string): Descriptor {
  const obj: JsonObject = asObject(value, path);
  const mediaType = optionalMediaType(obj, 'mediaType', path);
  if (mediaType === undefined) fail(child(path, 'mediaType'), 'required');
  const digest = asDigest(requiredField(obj, 'digest', path), child(path, 'digest'));
  const size = asNonNegativeInteger(requiredField(obj, 'size', path), child(path, 'size'));
  const urls = optionalStringArray(obj, 'urls', path);
  urls?.forEach((url, i) => {
    if (!URL.canParse(url)) fail(`${child(path, 'urls')}[${i}]`, `invalid URL ${JSON.stringify(url)}`);
  });
  const data = optionalString(obj, 'data', path);
  if (data !== undefined) checkEmbeddedData(data, digest, size, child(path, 'data'));
  return compact<Descriptor>({
    mediaType,
    digest,
    size,
    urls,
    annotations: optionalStringMap(obj, 'annotations', path),
    platform: obj['platform'] == null ? undefined : checkPlatform(obj['platform'], child(path, 'platform')),
    artifactType: optionalMediaType(obj, 'artifactType', path),
    data,
  });
}

function checkEmbeddedData(data: string, digest: Digest, size: number, path: string): void {
  if (!base64Pattern.test(data)) fail(path, 'not valid base64');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== size) fail(path, `decodes to ${bytes.length} bytes but size is ${size}`);
  if (digestOf(bytes, parseDigest(digest).algorithm) !== digest) fail(path, `does not match digest ${digest}`);
}

/** Checks an optional array of descriptors, naming each entry by index. */
export function checkDescriptorList(value: unknown, path: string): Descriptor[] {
  return asArray(value, path).map((item, i) => checkDescriptor(item, `${path}[${i}]`));
}
