/*
 * The SQLite writer thread (see sqlite-writer.ts): owns the connection that writes, so
 * that each group's COMMIT, and the fsync it waits for, happen off the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteLog } from './sqlite-log.js';
import { applyGroup } from './sqlite-ops.js';
import type { ToWriter, FromWriter } from './sqlite-writer.js';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-thread.js runs as a worker thread');
const log = new SqliteLog((workerData as { path: string }).path);
const reply = (message: FromWriter): void => port.postMessage(message);

port.on('message', (message: ToWriter) => {
  try {
    if (message.type === 'writes') reply({ type: 'done', id: message.id, outcomes: applyGroup(log, message.writes) });
    else if (message.type === 'compact') {
      log.compact(message.from, message.to);
      reply({ type: 'done', id: message.id });
    } else {
      log.close();
      reply({ type: 'done', id: message.id });
      port.close();
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    reply({ type: 'failed', id: message.id, message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : undefined });
  }
});
reply({ type: 'ready' });
