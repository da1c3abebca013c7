/**
 * Errors carry a kind, as containerd's errdefs do, so that every caller (and every
 * adapter: HTTP status, CLI exit code) can decide by kind instead of by message.
 */
export type ErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'conflict'
  | 'failed-precondition'
  | 'unavailable'
  | 'gone'
  | 'internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export const notFound = (message: string, cause?: unknown): BerthError =>
  new BerthError('not-found', message, { cause });
export const alreadyExists = (message: string, cause?: unknown): BerthError =>
  new BerthError('already-exists', message, { cause });
export const invalidArgument = (message: string, cause?: unknown): BerthError =>
  new BerthError('invalid-argument', message, { cause });
export const conflict = (message: string, cause?: unknown): BerthError =>
  new BerthError('conflict', message, { cause });
export const failedPrecondition = (message: string, cause?: unknown): BerthError =>
  new BerthError('failed-precondition', message, { cause });
export const unavailable = (message: string, cause?: unknown): BerthError =>
  new BerthError('unavailable', message, { cause });
/** What was asked for existed once but has been discarded (a compacted revision). */
export const gone = (message: string, cause?: unknown): BerthError =>
  new BerthError('gone', message, { cause });

export function errorKind(err: unknown): ErrorKind {
  return err instanceof BerthError ? err.kind : 'internal';
}

export const isNotFound = (err: unknown): boolean => errorKind(err) === 'not-found';
export const isAlreadyExists = (err: unknown): boolean => errorKind(err) === 'already-exists';
export const isInvalidArgument = (err: unknown): boolean => errorKind(err) === 'invalid-argument';
export const isConflict = (err: unknown): boolean => errorKind(err) === 'conflict';
export const isGone = (err: unknown): boolean => errorKind(err) === 'gone';
export const isUnavailable = (err: unknown): boolean => errorKind(err) === 'unavailable';

/** Node's system errors carry a `code` such as ENOENT. */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** HTTP status for an error kind, shared by every HTTP adapter. */
export function httpStatusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'not-found':
      return 404;
    case 'already-exists':
    case 'conflict':
      return 409;
    case 'invalid-argument':
      return 400;
    case 'failed-precondition':
      return 412;
    case 'unavailable':
      return 503;
    case 'gone':
      return 410;
    case 'internal':
      return 500;
  }
}

/** CLI exit code for an error kind (docker uses 1 for every daemon error; we keep 1 and
 * reserve 2 for usage errors so scripts can tell a typo from a failure). */
export function exitCodeOf(kind: ErrorKind): number {
  return kind === 'invalid-argument' ? 2 : 1;
}
