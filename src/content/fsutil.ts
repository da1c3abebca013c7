import { randomBytes } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An unguessable file name for temporary files. */
export function randomName(): string {
  return randomBytes(12).toString('hex');
}

/** Writes all of `bytes` (a single write may be short). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
