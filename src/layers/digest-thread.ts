/**
 * Worker side of OffThreadDigester: hashes the chunks it is sent, in order, and sends
 * each buffer back to be filled again. One job at a time, ended by 'end'.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { DigestReply, DigestRequest } from './digest-protocol.js';

const port = parentPort;
if (port === null) throw new Error('digest-thread runs as a worker thread only');

let hash: Hash | null = null;

port.on('message', (request: DigestRequest) => {
  switch (request.type) {
    case 'chunk': {
      hash ??= createHash('sha256');
      hash.update(new Uint8Array(request.buffer, 0, request.length));
      const reply: DigestReply = { type: 'free', buffer: request.buffer };
      port.postMessage(reply, [request.buffer]);
      break;
    }
    case 'end': {
      const hex = (hash ?? createHash('sha256')).digest('hex');
      hash = null;
      const reply: DigestReply = { type: 'digest', hex };
      port.postMessage(reply);
      break;
    }
  }
});
