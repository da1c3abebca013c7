import { execFile } from 'node:child_process';
import { access, constants, readFile, readlink } from 'node:fs/promises';
import { failedPrecondition } from '../../lib/index.js';

/*
 * A terminal for an exec without receiving file descriptors. runc's `exec --tty` needs
 * either a console socket (it sends the pty master over SCM_RIGHTS, which Node cannot
 * receive) or, in the foreground, a terminal of its own: then runc takes the pty master
 * itself and copies between it and its own stdio, puts its terminal in raw mode, sizes
 * the container's pty from it and follows its SIGWINCH. util-linux `script` gives runc
 * that terminal: it runs a command on a fresh pty and copies the pty to its own stdio,
 * which are our pipes. Resizing sets the size of script's pty with `stty -F`; the kernel
 * then sends SIGWINCH to runc, which passes the size on to the container's pty.
 */

const SEARCH = ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin'];

export async function findTool(name: string): Promise<string | undefined> {
  for (const dir of SEARCH) {
    const candidate = `${dir}/${name}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv of `script` running `runtime` on a new pty of the given size: -q no banner, -f flush
 * at once, -e exit with the command's status, -E never: no echo on script's own pty (the
 * container's pty echoes), `/dev/null` no typescript file.
 */
export async function scriptArgv(runtime: readonly string[], size: { rows: number; cols: number }): Promise<string[]> {
  const script = await findTool('script');
  if (script === undefined) throw failedPrecondition('an exec with a tty needs script(1) from util-linux, which is not installed');
  const command = `stty rows ${size.rows} cols ${size.cols} 2>/dev/null; exec ${runtime.map(shellQuote).join(' ')}`;
  return [script, '-q', '-f', '-e', '-E', 'never', '-c', command, '/dev/null'];
}

/** The pty script made: the stdin of its child (the shell that became the runtime). */
export async function scriptPty(scriptPid: number): Promise<string | undefined> {
  const children = await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').catch(() => '');
  const child = children.trim().split(/\s+/)[0];
  if (child === undefined || child === '') return undefined;
  const pty = await readlink(`/proc/${child}/fd/0`).catch(() => undefined);
  return pty !== undefined && /^\/dev\/pts\/\d+$/.test(pty) ? pty : undefined;
}

/** Sets a pty's size; its foreground process (runc) gets SIGWINCH. */
export async function resizePty(pty: string, size: { rows: number; cols: number }): Promise<void> {
  const stty = (await findTool('stty')) ?? 'stty';
  await new Promise<void>((resolve, reject) => {
    execFile(stty, ['-F', pty, 'rows', String(size.rows), 'cols', String(size.cols)], (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(failedPrecondition(`cannot resize ${pty}: ${stderr.trim() || err.message}`, err));
    });
  });
}
