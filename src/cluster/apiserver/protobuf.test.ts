import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtobufObject } from './protobuf.js';
import { ApiError } from './status.js';

/** A minimal protobuf writer for the test: length-delimited fields and varints. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const bytesField = (field: number, payload: Buffer | string): Buffer => {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.from([...varint((field << 3) | 2), ...varint(p.length), ...p]);
};
const varintField = (field: number, value: number): Buffer => Buffer.from([...varint(field << 3), ...varint(value)]);
const entry = (field: number, k: string, v: string | Buffer): Buffer => bytesField(field, Buffer.concat([bytesField(1, k), bytesField(2, v)]));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([Buffer.from('k8s\0', 'binary'), bytesField(1, Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)])), bytesField(2, raw)]);

test('decodes a ConfigMap as kubectl create configmap sends it', () => {
  const meta = Buffer.concat([bytesField(1, 'settings'), bytesField(2, ''), entry(11, 'app', 'web')]);
  const raw = Buffer.concat([bytesField(1, meta), entry(2, 'a', '1'), entry(2, 'b', ''), entry(3, 'bin', Buffer.from([0, 1]))]);
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', labels: { app: 'web' } },
    data: { a: '1', b: '' },
    binaryData: { bin: 'AAE=' },
  });
});

test('Secret data arrives as base64, as in JSON', () => {
  const raw = Buffer.concat([bytesField(1, bytesField(1, 's')), entry(2, 'password', 's3cret'), bytesField(3, 'Opaque')]);
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Secret', raw)), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'czNjcmV0' }, type: 'Opaque' });
});

test('unknown fields are refused unless they hold zero values; unknown kinds and bad envelopes too', () => {
  const zeroStatus = bytesField(3, Buffer.concat([varintField(1, 0), bytesField(2, '')]));
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Namespace', Buffer.concat([bytesField(1, bytesField(1, 'n')), zeroStatus]))), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  const status = bytesField(3, bytesField(1, 'Active'));
  assert.throws(() => decodeProtobufObject(envelope('v1', 'Namespace', Buffer.concat([bytesField(1, bytesField(1, 'n')), status]))), (err: ApiError) => err.code === 415);
  assert.throws(() => decodeProtobufObject(envelope('batch/v1', 'Job', Buffer.alloc(0))), (err: ApiError) => err.code === 415 && /batch\/v1 Job/.test(err.message));
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"x"}')), (err: ApiError) => err.code === 400);
  assert.throws(() => decodeProtobufObject(envelope('v1', 'ConfigMap', Buffer.from([0x0a, 0x05, 0x01]))), (err: ApiError) => err.code === 400);
});
