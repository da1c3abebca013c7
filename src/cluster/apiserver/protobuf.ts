import { ApiError, badRequest } from './status.js';

/**
 * Decoding of the Kubernetes protobuf encoding for the few request bodies kubectl's typed
 * clients send that way (`create configmap|secret|namespace|serviceaccount`, the Eviction
 * `drain` posts). Answers are always JSON, which those clients accept too. Only the fields
 * of these kinds are known; anything else is refused with 415 so the client can say so.
 * Go's generated encoders write the zero values of plain fields: those read as absent.
 * Fields outside these schemas are refused (415) unless they hold the zero value.
 */

type FieldType = 'string' | 'bytes' | 'bool' | 'int' | 'time' | 'stringMap' | 'bytesMap' | { message: Schema };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = Record<number, Field>;

const ownerReference: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: { message: ownerReference }, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const metadata: Field = { name: 'metadata', type: { message: objectMeta } };

const deleteOptions: Schema = {
  1: { name: 'gracePeriodSeconds', type: 'int' },
  2: { name: 'preconditions', type: { message: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } } },
  3: { name: 'orphanDependents', type: 'bool' },
  4: { name: 'propagationPolicy', type: 'string' },
  5: { name: 'dryRun', type: 'string', repeated: true },
};

const stringField = (name: string): Field => ({ name, type: 'string' });
const labelSelector: Schema = { 1: { name: 'matchLabels', type: 'stringMap' } };
const containerPort: Schema = { 1: stringField('name'), 2: { name: 'hostPort', type: 'int' }, 3: { name: 'containerPort', type: 'int' }, 4: stringField('protocol'), 5: stringField('hostIP') };
const envVar: Schema = { 1: stringField('name'), 2: stringField('value') };
const container: Schema = {
  1: stringField('name'),
  2: stringField('image'),
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: stringField('workingDir'),
  6: { name: 'ports', type: { message: containerPort }, repeated: true },
  7: { name: 'env', type: { message: envVar }, repeated: true },
  13: stringField('terminationMessagePath'),
  14: stringField('imagePullPolicy'),
  20: stringField('terminationMessagePolicy'),
};
const podSpec: Schema = {
  2: { name: 'containers', type: { message: container }, repeated: true },
  3: stringField('restartPolicy'),
  4: { name: 'terminationGracePeriodSeconds', type: 'int' },
  6: stringField('dnsPolicy'),
  7: { name: 'nodeSelector', type: 'stringMap' },
  8: stringField('serviceAccountName'),
  10: stringField('nodeName'),
  19: stringField('schedulerName'),
};
const podTemplateSpec: Schema = { 1: metadata, 2: { name: 'spec', type: { message: podSpec } } };
const deploymentSpec: Schema = {
  1: { name: 'replicas', type: 'int' },
  2: { name: 'selector', type: { message: labelSelector } },
  3: { name: 'template', type: { message: podTemplateSpec } },
  4: { name: 'strategy', type: { message: { 1: stringField('type') } } },
  5: { name: 'minReadySeconds', type: 'int' },
  6: { name: 'revisionHistoryLimit', type: 'int' },
  9: { name: 'progressDeadlineSeconds', type: 'int' },
};

const kinds: Record<string, Schema> = {
  'apps/v1/Deployment': { 1: metadata, 2: { name: 'spec', type: { message: deploymentSpec } } },
  'v1/ConfigMap': { 1: metadata, 2: { name: 'data', type: 'stringMap' }, 3: { name: 'binaryData', type: 'bytesMap' }, 4: { name: 'immutable', type: 'bool' } },
  'v1/Secret': { 1: metadata, 2: { name: 'data', type: 'bytesMap' }, 3: { name: 'type', type: 'string' }, 4: { name: 'stringData', type: 'stringMap' }, 5: { name: 'immutable', type: 'bool' } },
  'v1/Namespace': { 1: metadata, 2: { name: 'spec', type: { message: { 1: { name: 'finalizers', type: 'string', repeated: true } } } } },
  'v1/ServiceAccount': { 1: metadata, 4: { name: 'automountServiceAccountToken', type: 'bool' } },
  'policy/v1/Eviction': { 1: metadata, 2: { name: 'deleteOptions', type: { message: deleteOptions } } },
  'v1/DeleteOptions': deleteOptions,
};

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw badRequest('protobuf: truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw badRequest('protobuf: varint too long');
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw badRequest('protobuf: truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const field = schema[tag >> 3];
    const wire = tag & 7;
    if (!field) {
      // Go's encoders write plain fields even when empty; a field we do not know is
      // refused unless it carries the zero value, so nothing is dropped silently.
      if (!isZeroField(r, wire)) throw new ApiError(415, 'UnsupportedMediaType', `protobuf field ${tag >> 3} is not supported by this server; send application/json`);
      continue;
    }
    const value = decodeValue(r, field.type, wire);
    if (field.type === 'stringMap' || field.type === 'bytesMap') {
      const [k, v] = value as [string, unknown];
      ((out[field.name] ??= {}) as Record<string, unknown>)[k] = v;
    } else if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
    else if (!isOmitted(field, value)) out[field.name] = value;
  }
  return out;
}

/** Go writes every plain field; as JSON's omitempty would, empty strings, false, zero numbers and the zero time are left out (a replica count of 0 is meant). */
function isOmitted(field: Field, value: unknown): boolean {
  if (field.name === 'replicas') return false;
  return value === '' || value === false || value === 0 || value === zeroTime;
}

const zeroTime = '1970-01-01T00:00:00Z';

/** Reads one field and tells whether it holds the zero value: 0, empty, or a message of zero fields. */
function isZeroField(r: Reader, wire: number): boolean {
  if (wire === 0) return r.varint() === 0n;
  if (wire !== 2) {
    const start = r.pos;
    r.skip(wire);
    return r.buf.subarray(start, r.pos).every((b) => b === 0);
  }
  return isZeroMessage(r.bytes());
}

function isZeroMessage(buf: Buffer): boolean {
  const r = new Reader(buf);
  try {
    while (!r.done) {
      const tag = Number(r.varint());
      if (!isZeroField(r, tag & 7)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function decodeValue(r: Reader, type: FieldType, wire: number): unknown {
  if (type === 'bool') return r.varint() !== 0n;
  if (type === 'int') return Number(BigInt.asIntN(64, r.varint()));
  if (wire !== 2) throw badRequest('protobuf: unexpected wire type');
  const raw = r.bytes();
  if (type === 'string') return raw.toString('utf8');
  if (type === 'bytes') return raw.toString('base64');
  if (type === 'time') {
    const t = decodeMessage(raw, { 1: { name: 'seconds', type: 'int' } });
    return new Date(Number(t.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (type === 'stringMap' || type === 'bytesMap') {
    const e = decodeMessage(raw, { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: type === 'stringMap' ? 'string' : 'bytes' } });
    return [e.key ?? '', e.value ?? ''];
  }
  return decodeMessage(raw, type.message);
}

/** An `application/vnd.kubernetes.protobuf` body as the JSON object it encodes. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) throw badRequest('protobuf: missing the k8s envelope');
  const unknown = decodeMessage(body.subarray(4), {
    1: { name: 'typeMeta', type: { message: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } } },
    2: { name: 'raw', type: 'bytes' },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = kinds[`${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`];
  if (!schema) {
    throw new ApiError(415, 'UnsupportedMediaType', `the protobuf encoding of ${typeMeta.apiVersion ?? '?'} ${typeMeta.kind ?? '?'} is not supported by this server; send application/json`);
  }
  const obj = decodeMessage(Buffer.from(String(unknown.raw ?? ''), 'base64'), schema);
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
}
