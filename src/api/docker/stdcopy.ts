/**
 * Docker's multiplexed stream ("stdcopy"): every frame is an 8-byte header — the stream
 * (0 stdin, 1 stdout, 2 stderr), three zero bytes, the payload size as a big-endian
 * uint32 — followed by the payload. Used for attach, exec and logs without a TTY.
 */
export type StdStream = 'stdin' | 'stdout' | 'stderr';

const streamCodes: Record<StdStream, number> = { stdin: 0, stdout: 1, stderr: 2 };
const streamNames: StdStream[] = ['stdin', 'stdout', 'stderr'];
const HEADER = 8;

export function stdcopyFrame(stream: StdStream, data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = streamCodes[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export interface StdcopyChunk {
  stream: StdStream;
  data: Buffer;
}

/** Splits a multiplexed byte stream back into frames, across arbitrary chunk boundaries. */
export class StdcopyParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): StdcopyChunk[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: StdcopyChunk[] = [];
    while (this.pending.length >= HEADER) {
      const code = this.pending[0] ?? 0;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) break;
      const stream = streamNames[code];
      if (!stream) throw new Error(`invalid stdcopy stream ${code}`);
      out.push({ stream, data: this.pending.subarray(HEADER, HEADER + size) });
      this.pending = this.pending.subarray(HEADER + size);
    }
    return out;
  }

  /** Bytes of an unfinished frame still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}
