import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalidArgument } from '../../lib/index.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];
const MAGIC_LENGTH = 6;

/** The compression the first bytes show, as Docker's DetectCompression reads them. */
function detectCompression(head: Buffer): Compression {
  for (const [kind, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return kind;
  }
  return 'none';
}

/**
 * Wraps `input` in the decompressor its compression needs: zlib for gzip, the system's
 * `bzip2`/`xz`/`zstd` tools for the others (they stream, and spare us a native dependency
 * per format).
 */
function decompress(input: Readable, compression: Compression): Readable {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip':
      return pipeline(input, createGunzip({ chunkSize: 1024 * 1024 }), () => {});
    case 'bzip2':
    case 'xz':
    case 'zstd':
      return throughTool(input, compression);
  }
}

function throughTool(input: Readable, tool: 'bzip2' | 'xz' | 'zstd'): Readable {
  const out = new PassThrough();
  const child = spawn(tool, ['-d', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const fail = (err: Error): void => {
    if (!out.destroyed) out.destroy(err);
    child.kill();
  };
  child.on('error', (err) => fail(invalidArgument(`cannot run ${tool} to decompress: ${err.message}`, err)));
  input.on('error', fail);
  // The reader may stop early (a peek): then the tool sees EPIPE, which is no error of ours.
  child.stdin.on('error', () => {});
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (!out.destroyed) fail(invalidArgument(`${tool} failed to decompress (exit ${code}): ${stderr.trim()}`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
    input.destroy();
  });
  return out;
}

/** Reads the first bytes of `input` and returns a stream that still yields all of them. */
async function peekStream(input: Readable, size: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = asBuffer(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield asBuffer(next.value);
      }
    } finally {
      // A reader that stops early (an error, a peek) releases the input too.
      await iterator.return?.();
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw invalidArgument('an archive stream must yield bytes, not strings or objects');
}

/** Any compressed or plain stream, decompressed. */
export async function openArchive(input: Readable): Promise<Readable> {
  const { head, stream } = await peekStream(input, MAGIC_LENGTH);
  return decompress(stream, detectCompression(head));
}

const BLOCK = 512;

/**
 * Whether a local file is a tar archive, plain or compressed, as Docker's IsArchivePath
 * decides: its (decompressed) start must be a valid tar header. Anything else is copied
 * as a file by ADD.
 */
export async function isTarArchive(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  let stream: Readable | null = null;
  try {
    const magic = Buffer.alloc(MAGIC_LENGTH);
    const { bytesRead } = await handle.read(magic, 0, MAGIC_LENGTH, 0);
    const compression = detectCompression(magic.subarray(0, bytesRead));
    stream = decompress(handle.createReadStream({ start: 0, autoClose: false }), compression);
    const { head } = await peekStream(stream, BLOCK).catch(() => ({ head: Buffer.alloc(0) }));
    return head.length >= BLOCK && isTarHeader(head.subarray(0, BLOCK));
  } finally {
    stream?.destroy();
    await handle.close();
  }
}

/** A tar header block: its checksum (field at 148, octal) matches its bytes. */
function isTarHeader(block: Buffer): boolean {
  if (block.every((byte) => byte === 0)) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const expected = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return expected === unsigned || expected === signed;
}
