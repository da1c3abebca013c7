import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobufObject } from './protobuf.js';
import { ApiError, badRequest } from './status.js';
import type { PatchType } from './objects.js';

/** Kubernetes' limit on request bodies (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (): ApiError => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBodyBytes}`);

const mediaType = (contentType: string | undefined): string => (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';

const unsupported = (type: string, accepted: string[]): ApiError =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, { kind: type });

/** A create/update body: JSON or YAML, one object. */
export function decodeObjectBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const type = mediaType(contentType);
  let value: unknown;
  if (type === 'application/json' || type === '' || type === '*/*') value = parseJson(body);
  else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') value = parseYamlBody(body);
  else if (type === 'application/vnd.kubernetes.protobuf') value = decodeProtobufObject(body);
  else throw unsupported(type, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest("Object 'Kind' is missing in the request body: expected one object");
  return value as Record<string, unknown>;
}

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function decodePatchBody(body: Buffer, contentType: string | undefined): { type: PatchType; patch: unknown } {
  const media = mediaType(contentType);
  const type = patchTypes[media];
  if (!type || media === 'application/apply-patch+cbor') throw unsupported(media, Object.keys(patchTypes).filter((t) => !t.endsWith('cbor')));
  const patch = type === 'apply' ? parseYamlBody(body) : parseJson(body);
  if (type === 'json' && !Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) throw badRequest(`the patch must be a JSON object, got ${Array.isArray(patch) ? 'an array' : typeof patch}`);
  return { type, patch };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'), { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
}
