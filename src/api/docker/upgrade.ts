import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidArgument } from '../../lib/index.js';

/**
 * An upgraded request's body is not parsed by Node: it sits at the start of the bytes
 * after the headers (`head`), maybe continued on the socket, followed by early stdin.
 * Splits off `Content-Length` bytes as the body and leaves the rest as `head`.
 */
export async function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ body: Buffer; head: Buffer }> {
  const header = req.headers['content-length'];
  const length = header === undefined ? 0 : Number(header);
  if (!Number.isSafeInteger(length) || length < 0) throw invalidArgument(`invalid Content-Length: ${header}`);
  let buffered = head;
  while (buffered.length < length) {
    const chunk = await nextChunk(socket);
    if (!chunk) throw invalidArgument('the connection ended inside the request body');
    buffered = Buffer.concat([buffered, chunk]);
  }
  return { body: buffered.subarray(0, length), head: buffered.subarray(length) };
}

function nextChunk(socket: Duplex): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onData = (chunk: Buffer): void => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
