import type { Readable } from 'node:stream';

/** conmon's report on a sync or attach pipe: a pid or exit code, or -1 and a message. */
export interface SyncReport {
  data: number;
  message?: string;
}

export function parseSyncReport(line: string): SyncReport {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`unexpected conmon report ${line}`);
  const record = parsed as { data?: unknown; pid?: unknown; message?: unknown };
  const data = typeof record.data === 'number' ? record.data : typeof record.pid === 'number' ? record.pid : undefined;
  if (data === undefined) throw new Error(`unexpected conmon report ${line}`);
  return typeof record.message === 'string' ? { data, message: record.message } : { data };
}

/**
 * Reads conmon's newline-terminated JSON reports from one pipe, one at a time (two may
 * arrive in one chunk: an exec's pid and, for a quick process, its exit code).
 * `next()` resolves undefined once the pipe is closed with no report left.
 */
export class ReportReader {
  private text = '';
  private closed = false;
  private waiter: (() => void) | undefined;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.waiter?.();
    });
    const close = (): void => {
      this.closed = true;
      this.waiter?.();
    };
    stream.on('close', close);
    stream.on('end', close);
    stream.on('error', close);
  }

  async next(): Promise<SyncReport | undefined> {
    for (;;) {
      const nl = this.text.indexOf('\n');
      if (nl >= 0) {
        const line = this.text.slice(0, nl);
        this.text = this.text.slice(nl + 1);
        if (line.trim() === '') continue;
        return parseSyncReport(line);
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => {
        this.waiter = () => {
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }
}
