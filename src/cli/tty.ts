/**
 * Terminal handling for attached containers and execs: raw input while attached, and the
 * terminal's size sent on start and on every SIGWINCH (Node's 'resize' on stdout).
 */

/** Puts stdin in raw mode if it is a terminal; returns the undo. */
export function setRawInput(stdin: NodeJS.ReadStream = process.stdin): () => void {
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  return () => stdin.setRawMode(false);
}

export type Resize = (height: number, width: number) => Promise<unknown>;

/**
 * Sends the terminal size now (retrying briefly: the process may not be running yet, as the
 * docker CLI does) and again whenever the terminal is resized; returns the stop.
 */
export function monitorTtySize(resize: Resize, stdout: NodeJS.WriteStream = process.stdout): () => void {
  if (!stdout.isTTY) return () => {};
  const send = (): Promise<unknown> => resize(stdout.rows, stdout.columns);
  void (async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await send();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
      }
    }
  })();
  const onResize = (): void => void send().catch(() => {});
  stdout.on('resize', onResize);
  return () => stdout.off('resize', onResize);
}

/** The size a new TTY starts with ([height, width]), if stdout is a terminal. */
export function consoleSize(stdout: NodeJS.WriteStream = process.stdout): [number, number] | undefined {
  return stdout.isTTY ? [stdout.rows, stdout.columns] : undefined;
}
