import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StdcopyParser, stdcopyFrame } from './stdcopy.js';

test('a frame carries the stream and a big-endian size', () => {
  const frame = stdcopyFrame('stderr', Buffer.from('oops\n'));
  assert.deepEqual([...frame.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 5]);
  assert.equal(frame.subarray(8).toString(), 'oops\n');
});

test('the parser reassembles frames split at any byte', () => {
  const bytes = Buffer.concat([stdcopyFrame('stdout', Buffer.from('hello')), stdcopyFrame('stderr', Buffer.from('world!'))]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const parser = new StdcopyParser();
    const frames = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => `${f.stream}:${f.data.toString()}`),
      ['stdout:hello', 'stderr:world!'],
    );
    assert.equal(parser.buffered, 0);
  }
});
