/** Messages between OffThreadDigester and its worker (digest-thread). */
export type DigestRequest =
  /** The first `length` bytes of `buffer` (transferred) come next in the stream. */
  | { type: 'chunk'; buffer: ArrayBuffer; length: number }
  /** No more chunks: answer with the digest and start over. */
  | { type: 'end' };

export type DigestReply =
  /** A chunk's buffer, hashed and handed back for reuse. */
  | { type: 'free'; buffer: ArrayBuffer }
  | { type: 'digest'; hex: string };
