import { execFileSync } from 'node:child_process';

/**
 * Creates a device node or fifo through mknod(1): Node has no mknod(2). `args` follow the
 * path (`p`, or `c|b MAJOR MINOR`); `mode` is exact, the umask does not apply. A process
 * costs milliseconds, so callers keep these rare. Errors name `entryName`.
 */
export function mknodSync(path: string, args: string[], entryName: string, mode?: number): void {
  const modeArgs = mode === undefined ? [] : ['-m', mode.toString(8)];
  try {
    execFileSync('mknod', [...modeArgs, path, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`layer entry ${JSON.stringify(entryName)}: mknod failed: ${stderr || String(err)}`, { cause: err });
  }
}
