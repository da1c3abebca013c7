import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalidArgument } from '../lib/index.js';

/** A content digest such as `sha256:…` (OCI image-spec "digests"). */
export type Digest = `${string}:${string}`;

const algorithms: Record<string, { hexLength: number; node: string }> = {
  sha256: { hexLength: 64, node: 'sha256' },
  sha512: { hexLength: 128, node: 'sha512' },
};

const digestPattern = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses and validates a digest string; refuses unknown algorithms and bad encodings. */
export function parseDigest(value: string): { algorithm: string; hex: string; digest: Digest } {
  const match = digestPattern.exec(value);
  if (!match) throw invalidArgument(`invalid digest ${JSON.stringify(value)}: expected algorithm:hex`);
  const [, algorithm = '', hex = ''] = match;
  const spec = algorithms[algorithm];
  if (!spec) throw invalidArgument(`invalid digest ${JSON.stringify(value)}: unsupported algorithm ${algorithm}`);
  if (hex.length !== spec.hexLength || !/^[a-f0-9]+$/.test(hex)) {
    throw invalidArgument(
      `invalid digest ${JSON.stringify(value)}: ${algorithm} needs ${spec.hexLength} lowercase hex digits`,
    );
  }
  return { algorithm, hex, digest: `${algorithm}:${hex}` };
}

export function isDigest(value: string): value is Digest {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(data: string | Uint8Array, algorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** The hex part of a digest (file names in blob stores). */
export function hexOf(digest: Digest | string): string {
  return parseDigest(digest).hex;
}

/** Hashes while streaming, for verify-as-you-write. */
export class Digester {
  private readonly hash: Hash;
  private bytes = 0;

  constructor(readonly algorithm = 'sha256') {
    const spec = algorithms[algorithm];
    if (!spec) throw invalidArgument(`unsupported digest algorithm ${algorithm}`);
    this.hash = createHash(spec.node);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

/** A pass-through stream that digests what flows through it. */
export class DigestStream extends Transform {
  readonly digester: Digester;

  constructor(algorithm = 'sha256') {
    super();
    this.digester = new Digester(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.digester.update(chunk);
    callback(null, chunk);
  }
}
