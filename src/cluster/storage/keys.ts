import { invalidArgument } from '../../lib/index.js';

/** Keys are non-empty strings without NUL (which pagination uses as "just after"). */
export function checkKey(key: string): void {
  if (key.length === 0) throw invalidArgument('storage key must not be empty');
  if (key.includes('\0')) throw invalidArgument(`storage key must not contain NUL: ${JSON.stringify(key)}`);
}

export function checkRevision(name: string, revision: number | undefined): void {
  if (revision === undefined) return;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw invalidArgument(`${name} must be a non-negative integer, got ${revision}`);
  }
}

const maxCodePoint = 0x10ffff;

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined
 * when there is none ('' or only U+10FFFF). Computed on code points, whose order is the
 * order of UTF-8 bytes, which is how SQLite (BINARY collation) and etcd compare keys.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < maxCodePoint) {
      // Skip the surrogate range, which no well-formed string contains.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

/** Where a range read starts: at the prefix, or just past the previous page's last key
 * (key + NUL is the smallest string greater than key). */
export function rangeStart(prefix: string, continueAfterKey: string | undefined): string {
  if (continueAfterKey === undefined) return prefix;
  const after = `${continueAfterKey}\0`;
  return Buffer.compare(Buffer.from(after), Buffer.from(prefix)) > 0 ? after : prefix;
}
