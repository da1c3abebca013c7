import { BerthError, type ErrorKind } from '../lib/index.js';

/** The error codes of the OCI distribution-spec (and distribution's additions we use). */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'RANGE_INVALID'
  | 'UNSUPPORTED'
  | 'UNAUTHORIZED'
  | 'DENIED';

const kindOf: Record<RegistryErrorCode, ErrorKind> = {
  BLOB_UNKNOWN: 'not-found',
  BLOB_UPLOAD_INVALID: 'invalid-argument',
  BLOB_UPLOAD_UNKNOWN: 'not-found',
  DIGEST_INVALID: 'invalid-argument',
  MANIFEST_BLOB_UNKNOWN: 'invalid-argument',
  MANIFEST_INVALID: 'invalid-argument',
  MANIFEST_UNKNOWN: 'not-found',
  NAME_INVALID: 'invalid-argument',
  NAME_UNKNOWN: 'not-found',
  SIZE_INVALID: 'invalid-argument',
  TAG_INVALID: 'invalid-argument',
  PAGINATION_NUMBER_INVALID: 'invalid-argument',
  RANGE_INVALID: 'failed-precondition',
  UNSUPPORTED: 'invalid-argument',
  // lib has no kind for missing credentials; callers that only know kinds see a precondition.
  UNAUTHORIZED: 'failed-precondition',
  DENIED: 'failed-precondition',
};

/**
 * A failure with a distribution-spec code. It is a BerthError, so callers that only know
 * kinds still work; the HTTP adapter picks the status from the code (see `statusOf`).
 */
export class RegistryError extends BerthError {
  readonly code: RegistryErrorCode;
  readonly detail: unknown;
  /** An HTTP status other than the code's usual one (416 for an out-of-order chunk, 413). */
  readonly status: number | undefined;

  constructor(code: RegistryErrorCode, message: string, options: { detail?: unknown; status?: number; cause?: unknown } = {}) {
    super(kindOf[code], message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.detail = options.detail;
    this.status = options.status;
  }
}

export const registryError = (
  code: RegistryErrorCode,
  message: string,
  options: { detail?: unknown; status?: number; cause?: unknown } = {},
): RegistryError => new RegistryError(code, message, options);

const statuses: Record<RegistryErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  PAGINATION_NUMBER_INVALID: 400,
  RANGE_INVALID: 416,
  UNSUPPORTED: 405,
  UNAUTHORIZED: 401,
  DENIED: 403,
};

/** The HTTP status the spec gives a code, unless the error names its own. */
export function statusOf(err: RegistryError): number {
  return err.status ?? statuses[err.code];
}
