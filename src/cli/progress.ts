import { humanSize } from '../lib/index.js';
import type { JsonMessage } from './client.js';

/** Where progress text goes, and whether it may redraw lines. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
}

function lineOf(message: JsonMessage): string {
  const { current, total } = message.progressDetail ?? {};
  const amount = current !== undefined && total ? ` ${humanSize(current)}/${humanSize(total)}` : '';
  return message.id ? `${message.id}: ${message.status ?? ''}${amount}` : (message.status ?? '');
}

/**
 * Renders pull/push progress messages as docker does: on a terminal one line per layer,
 * redrawn in place; otherwise each status change once (byte counts are left out).
 */
export function progressRenderer(output: ProgressOutput): (message: JsonMessage) => void {
  const ids: string[] = [];
  const lines = new Map<string, string>();
  const lastStatus = new Map<string, string>();
  return (message) => {
    if (message.status === undefined) return;
    const id = message.id;
    if (!output.isTTY) {
      if (id && lastStatus.get(id) === message.status) return;
      if (id) lastStatus.set(id, message.status);
      output.write(lineOf({ ...message, progressDetail: {} }) + '\n');
      return;
    }
    if (!id) {
      output.write(lineOf(message) + '\n');
      ids.length = 0; // lines above are final
      lines.clear();
      return;
    }
    if (!lines.has(id)) {
      ids.push(id);
      lines.set(id, lineOf(message));
      output.write(lineOf(message) + '\n');
      return;
    }
    lines.set(id, lineOf(message));
    const up = ids.length - ids.indexOf(id);
    // Up to the layer's line, clear it, rewrite, and back down.
    output.write(`\x1b[${up}A\r\x1b[2K${lineOf(message)}\r\x1b[${up}B`);
  };
}
