import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, unavailable } from '../lib/index.js';
import { ChangeNotifier } from './driver-watch.js';

/**
 * The exit code conmon recorded for a container: it writes the number to
 * `<exit-dir>/<id>` when the container's init exits (128+N when a signal N killed it).
 * Undefined while there is none.
 */
export async function readExitCode(exitFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(exitFile, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const code = Number.parseInt(text.trim(), 10);
  return Number.isInteger(code) ? code : undefined;
}

export interface ExitWaitOptions {
  signal?: AbortSignal;
  /** Whether anyone can still write the exit file (conmon alive); polled on every tick. */
  monitorAlive(): Promise<boolean>;
  pollMs?: number;
}

/**
 * Resolves with the exit code once the exit file appears. Watches the exit directory
 * and polls as well; when the monitor is gone and no exit file exists, the code is lost
 * and this rejects instead of waiting forever.
 */
export async function waitForExitFile(exitFile: string, options: ExitWaitOptions): Promise<number> {
  const notifier = new ChangeNotifier(path.dirname(exitFile), options.pollMs ?? 250);
  try {
    for (;;) {
      const code = await readExitCode(exitFile);
      if (code !== undefined) return code;
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('wait aborted');
      if (!(await options.monitorAlive())) {
        const late = await readExitCode(exitFile);
        if (late !== undefined) return late;
        throw unavailable(`the exit code of ${path.basename(exitFile)} is lost: its monitor (conmon) is gone`);
      }
      await notifier.next(options.signal);
    }
  } finally {
    notifier.close();
  }
}
