import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDescriptor, emptyJsonDescriptor } from './descriptor.js';
import { digestOf } from './digest.js';

const digest = digestOf('hello');

test('emptyJsonDescriptor describes the two-byte {} blob', () => {
  assert.equal(emptyJsonDescriptor.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  assert.equal(emptyJsonDescriptor.size, 2);
  assert.equal(Buffer.from(emptyJsonDescriptor.data ?? '', 'base64').toString(), '{}');
  assert.deepEqual(checkDescriptor({ ...emptyJsonDescriptor }, 'd'), emptyJsonDescriptor);
});

test('checkDescriptor keeps known fields and drops nulls and unknown ones', () => {
  const value = {
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest,
    size: 5,
    urls: ['https://example.com/blob'],
    annotations: { 'org.opencontainers.image.title': 'x' },
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.features': ['a'] },
    artifactType: 'application/x.test',
    data: Buffer.from('hello').toString('base64'),
    extra: 1,
    'os.version': null,
  };
  const { extra: _extra, 'os.version': _v, ...known } = value;
  assert.deepEqual(checkDescriptor(value, 'd'), known);
  assert.deepEqual(checkDescriptor({ mediaType: 'a/b', digest, size: 0, annotations: null }, 'd'), {
    mediaType: 'a/b',
    digest,
    size: 0,
  });
});

test('checkDescriptor refuses bad fields, naming the path', () => {
  const good = { mediaType: 'a/b', digest, size: 5 };
  const cases: Array<[unknown, RegExp]> = [
    [null, /^d: expected an object, got null$/],
    [[], /^d: expected an object, got array$/],
    [{ ...good, mediaType: undefined }, /^d\.mediaType: required$/],
    [{ ...good, mediaType: 'nonsense' }, /^d\.mediaType: invalid media type "nonsense"$/],
    [{ ...good, mediaType: 7 }, /^d\.mediaType: expected a string, got number 7$/],
    [{ ...good, digest: 'x' }, /^d\.digest: invalid digest "x"$/],
    [{ ...good, digest: undefined }, /^d\.digest: required$/],
    [{ ...good, size: -1 }, /^d\.size: expected a non-negative integer, got number -1$/],
    [{ ...good, size: 1.5 }, /^d\.size: expected a non-negative integer/],
    [{ ...good, size: 2 ** 53 }, /^d\.size: expected a non-negative integer/],
    [{ ...good, size: '5' }, /^d\.size: expected a non-negative integer, got string "5"$/],
    [{ ...good, urls: 'https://x' }, /^d\.urls: expected an array/],
    [{ ...good, urls: ['not a url'] }, /^d\.urls\[0\]: invalid URL/],
    [{ ...good, annotations: { a: 1 } }, /^d\.annotations\.a: expected a string/],
    [{ ...good, annotations: { 'org.x': 1 } }, /^d\.annotations\["org\.x"\]: expected a string/],
    [{ ...good, platform: { os: 'linux' } }, /^d\.platform\.architecture: required$/],
    [{ ...good, platform: { os: 'linux', architecture: 'amd64', 'os.features': 'x' } }, /^d\.platform\["os\.features"\]: expected an array/],
    [{ ...good, artifactType: '' }, /^d\.artifactType: invalid media type ""$/],
    [{ ...good, data: 'aGVsbG8' }, /^d\.data: not valid base64$/],
    [{ ...good, data: 'aGVsbA==' }, /^d\.data: decodes to 4 bytes but size is 5$/],
    [{ ...good, data: 'aGVsbE8=' }, /^d\.data: does not match digest/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => checkDescriptor(value, 'd'), { kind: 'invalid-argument', message }, JSON.stringify(value));
  }
});
