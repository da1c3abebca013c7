import { invalidArgument } from '../../lib/index.js';

/** A log size limit is a positive whole number of bytes. */
export function checkLogMaxSize(bytes: number | undefined): void {
  if (bytes === undefined) return;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw invalidArgument(`invalid log max-size ${String(bytes)}: it must be a positive number of bytes`);
}

const SIGNAL_NAME = /^(SIG)?[A-Z0-9+-]+$/i;

/** A signal as a number (1–64) or a name, with or without SIG. */
export function checkSignal(signal: string): void {
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    if (n < 1 || n > 64) throw invalidArgument(`Invalid signal: ${signal}`);
    return;
  }
  if (!SIGNAL_NAME.test(signal)) throw invalidArgument(`Invalid signal: ${signal}`);
}

/** How Docker's kill event names a signal. */
export function signalName(signal: string): string {
  if (/^\d+$/.test(signal)) return signal;
  const bare = signal.toUpperCase().replace(/^SIG/, '');
  return `SIG${bare}`;
}
