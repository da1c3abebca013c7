import type { ApiClient, Query } from './client.js';
import { hijack, streamHijacked } from './hijack.js';
import { monitorTtySize, setRawInput, type Resize } from './tty.js';

/**
 * An attached terminal session (container attach or exec start): the hijacked connection,
 * our stdin forwarded (raw with a TTY), output copied until the daemon closes the stream.
 */
export interface Session {
  /** Settles when the output has ended (or failed). */
  done: Promise<void>;
  /** Starts following the terminal's size, once the process runs. */
  followSize(resize: Resize): void;
  close(): void;
}

export interface SessionOptions {
  tty: boolean;
  stdin: boolean;
  query?: Query;
  body?: object;
}

export async function openSession(client: ApiClient, path: string, options: SessionOptions): Promise<Session> {
  const conn = await hijack(client, path, { query: options.query, body: options.body });
  const stdin = options.stdin ? process.stdin : undefined;
  const restore = options.tty && stdin ? setRawInput(stdin) : () => {};
  let stopResize = (): void => {};
  const done = streamHijacked(conn, { tty: options.tty, stdin, stdout: process.stdout, stderr: process.stderr }).finally(() => {
    stopResize();
    restore();
    // Reading stdin keeps the process alive; the session is over, so let it go.
    if (stdin) stdin.destroy();
  });
  return {
    done,
    followSize(resize) {
      if (options.tty) stopResize = monitorTtySize(resize);
    },
    close: () => conn.close(),
  };
}

const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Passes the signals we receive on to the container (docker's --sig-proxy, on whenever
 * a non-TTY run or start is attached); returns the undo.
 */
export function proxySignals(kill: (signal: string) => Promise<unknown>): () => void {
  const handlers = forwarded.map((signal) => {
    const handler = (): void => void kill(signal).catch(() => {});
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
