import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { demuxTo, encodeFrame, StdcopyDemuxer, Stream } from './stdcopy.js';

test('frames split anywhere across chunks come out whole and in order', () => {
  const data = Buffer.concat([encodeFrame(Stream.stdout, 'hello '), encodeFrame(Stream.stderr, 'oops\n'), encodeFrame(Stream.stdout, ''), encodeFrame(Stream.stdout, 'world\n')]);
  for (let size = 1; size <= data.length; size++) {
    const seen: Array<[number, string]> = [];
    const demuxer = new StdcopyDemuxer((stream, payload) => seen.push([stream, payload.toString()]));
    for (let at = 0; at < data.length; at += size) demuxer.push(data.subarray(at, at + size));
    demuxer.end();
    assert.deepEqual(seen, [[1, 'hello '], [2, 'oops\n'], [1, ''], [1, 'world\n']], `chunks of ${size}`);
  }
});

test('a stream cut inside a frame, or a bad header, fails', () => {
  const cut = new StdcopyDemuxer(() => {});
  cut.push(encodeFrame(Stream.stdout, 'hello').subarray(0, 10));
  assert.throws(() => cut.end(), /inside a frame/);
  assert.throws(() => new StdcopyDemuxer(() => {}).push(Buffer.from('plain text, no frames')), /unrecognized stream framing/);
});

test('demuxTo writes stdout and stderr apart; a systemerr frame is an error', async () => {
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (c: Buffer) => outChunks.push(c));
  err.on('data', (c: Buffer) => errChunks.push(c));
  const source = new PassThrough();
  const done = pipeline(source, demuxTo(out, err));
  const frames = Buffer.concat([encodeFrame(1, 'a'), encodeFrame(2, 'b'), encodeFrame(1, 'c')]);
  source.write(frames.subarray(0, 5));
  source.end(frames.subarray(5));
  await done;
  assert.equal(Buffer.concat(outChunks).toString(), 'ac');
  assert.equal(Buffer.concat(errChunks).toString(), 'b');

  const failing = new PassThrough();
  const failed = pipeline(failing, demuxTo(new PassThrough(), new PassThrough()));
  failing.end(encodeFrame(Stream.systemerr, 'exec failed\n'));
  await assert.rejects(failed, /exec failed/);
});
