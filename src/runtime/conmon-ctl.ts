import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { failedPrecondition, invalidArgument, isErrno } from '../lib/index.js';
import { bundleFiles } from './driver-paths.js';

/** conmon's control messages on the `ctl` fifo in the bundle: "<kind> <arg> <arg>\n". */
const RESIZE = 1;
const REOPEN_LOG = 2;

async function writeControl(bundle: string, message: string): Promise<void> {
  let handle;
  try {
    // Non-blocking: with no reader (conmon gone) this fails with ENXIO instead of hanging.
    handle = await open(bundleFiles(bundle).ctl, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENXIO') || isErrno(err, 'ENOENT')) throw failedPrecondition('conmon is not running for this container', err);
    throw err;
  }
  try {
    await handle.write(message);
  } finally {
    await handle.close();
  }
}

/** Sets the container's terminal size (columns × rows). */
export async function resizeTerminal(bundle: string, width: number, height: number): Promise<void> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 65535 || height > 65535) {
    throw invalidArgument(`invalid terminal size ${width}x${height}`);
  }
  await writeControl(bundle, `${RESIZE} ${height} ${width}\n`);
}

/** Asks conmon to reopen the log file (after it was moved away by log rotation). */
export async function reopenLog(bundle: string): Promise<void> {
  await writeControl(bundle, `${REOPEN_LOG} 0 0\n`);
}
