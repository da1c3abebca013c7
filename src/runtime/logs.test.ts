import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineJoiner, parseLog, parseLogRecord, timestampNs, toNs } from './logs.js';

test('parses a k8s-file record', () => {
  const record = parseLogRecord('2016-10-06T00:17:09.669794202Z stdout F hello world');
  assert.ok(record !== undefined);
  assert.equal(record.timestamp, '2016-10-06T00:17:09.669794202Z');
  assert.equal(record.stream, 'stdout');
  assert.equal(record.partial, false);
  assert.equal(record.content.toString(), 'hello world');
});

test('keeps spaces in the content, accepts an empty line and tags lists', () => {
  assert.equal(parseLogRecord('2016-10-06T00:17:09Z stderr F   two  spaces ')?.content.toString(), '  two  spaces ');
  assert.equal(parseLogRecord('2016-10-06T00:17:09Z stdout F')?.content.length, 0);
  assert.equal(parseLogRecord('2016-10-06T00:17:09Z stdout F ')?.content.length, 0);
  assert.equal(parseLogRecord('2016-10-06T00:17:09Z stdout P:x part')?.partial, true);
});

test('refuses malformed records', () => {
  assert.equal(parseLogRecord(''), undefined);
  assert.equal(parseLogRecord('garbage'), undefined);
  assert.equal(parseLogRecord('2016-10-06T00:17:09Z stdin F x'), undefined);
  assert.equal(parseLogRecord('yesterday stdout F x'), undefined);
});

test('times keep nanoseconds and honour offsets as conmon writes them', () => {
  assert.equal(timestampNs('1970-01-01T00:00:01.000000002Z'), 1_000_000_002n);
  assert.equal(timestampNs('1970-01-01T01:00:01.5+01:00'), 1_500_000_000n);
  assert.equal(timestampNs('2026-11-25T18:45:49.718974740+00:00'), toNs('2026-11-25T18:45:49.718974740Z'));
  assert.equal(toNs(new Date(1500)), 1_500_000_000n);
  assert.equal(timestampNs('2026-11-25 18:45:49Z'), undefined);
  assert.throws(() => toNs('soon'), RangeError);
});

test('fragments join per stream, even interleaved', () => {
  const joiner = new LineJoiner();
  const rec = (line: string) => {
    const r = parseLogRecord(line);
    assert.ok(r !== undefined);
    return r;
  };
  assert.equal(joiner.push(rec('2020-01-01T00:00:01Z stdout P hel')), undefined);
  assert.equal(joiner.push(rec('2020-01-01T00:00:02Z stderr P oo')), undefined);
  const out = joiner.push(rec('2020-01-01T00:00:03Z stdout F lo'));
  assert.deepEqual([out?.stream, out?.line, out?.partial, out?.timestamp], ['stdout', 'hello', false, '2020-01-01T00:00:01Z']);
  const rest = joiner.flush();
  assert.deepEqual(
    rest.map((e) => [e.stream, e.line, e.partial]),
    [['stderr', 'oo', true]],
  );
  assert.deepEqual(joiner.flush(), []);
});

test('a multi-byte character split across fragments survives', () => {
  const euro = Buffer.from('€');
  const text = Buffer.concat([
    Buffer.from('2020-01-01T00:00:01Z stdout P '),
    euro.subarray(0, 1),
    Buffer.from('\n2020-01-01T00:00:01Z stdout F '),
    euro.subarray(1),
    Buffer.from('\n'),
  ]);
  assert.deepEqual(
    parseLog(text).map((e) => e.line),
    ['€'],
  );
});
