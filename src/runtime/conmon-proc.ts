import { readFile } from 'node:fs/promises';

/** The pid in a pidfile, or undefined when there is none (yet). */
export async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is still the conmon that monitors container `id`: a pid may be reused
 * after conmon exits, so the command line must name conmon and the container.
 * A zombie has an empty command line and counts as gone.
 */
export async function isConmonOf(pid: number, id: string): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const args = cmdline.split('\0');
  if (!(args[0] ?? '').endsWith('conmon')) return false;
  const cid = args.indexOf('-c');
  return cid >= 0 && args[cid + 1] === id;
}

/** Whether the conmon recorded in `pidFile` for `id` is alive; its pid when it is. */
export async function liveConmon(pidFile: string, id: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return undefined;
  return (await isConmonOf(pid, id)) ? pid : undefined;
}
