import { Writable } from 'node:stream';
import { BerthError } from '../lib/index.js';

/** Stream numbers of Docker's multiplexed (stdcopy) framing. */
export const Stream = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;

const headerSize = 8;

/**
 * Splits Docker's multiplexed stream into frames. Each frame is an 8-byte header —
 * stream type, three zero bytes, big-endian uint32 payload length — then the payload;
 * frames may arrive split across chunks or several to a chunk.
 */
export class StdcopyDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (data.length >= headerSize) {
      const stream = data[0] ?? 0;
      if (stream > Stream.systemerr || data[1] !== 0 || data[2] !== 0 || data[3] !== 0) {
        throw new BerthError('internal', `unrecognized stream framing: header ${data.subarray(0, headerSize).toString('hex')}`);
      }
      const length = data.readUInt32BE(4);
      if (data.length < headerSize + length) break;
      this.onFrame(stream, data.subarray(headerSize, headerSize + length));
      data = data.subarray(headerSize + length);
    }
    this.pending = Buffer.from(data);
  }

  /** Fails if the stream stopped inside a frame. */
  end(): void {
    if (this.pending.length) throw new BerthError('internal', `stream ended inside a frame (${this.pending.length} bytes left)`);
  }
}

/** Encodes one frame (for tests and fakes). */
export function encodeFrame(stream: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(headerSize);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/**
 * A writable that demultiplexes into `stdout` and `stderr`, waiting for them to drain;
 * a systemerr frame (the daemon's own failure) fails the stream with its message.
 */
export function demuxTo(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Writable {
  let frames: Array<[number, Buffer]> = [];
  const demuxer = new StdcopyDemuxer((stream, payload) => frames.push([stream, Buffer.from(payload)]));
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        demuxer.push(chunk);
      } catch (err) {
        return callback(err as Error);
      }
      const batch = frames;
      frames = [];
      void writeFrames(batch, stdout, stderr).then(() => callback(), callback);
    },
    final(callback) {
      try {
        demuxer.end();
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

async function writeFrames(frames: Array<[number, Buffer]>, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<void> {
  for (const [stream, payload] of frames) {
    if (stream === Stream.systemerr) throw new BerthError('internal', payload.toString('utf8').trim());
    const target = stream === Stream.stderr ? stderr : stdout;
    if (!target.write(payload)) await new Promise<void>((resolve) => target.once('drain', resolve));
  }
}
