import { BerthError, errorKind } from '../../lib/index.js';
import type { FieldCause } from './types/index.js';

/** `metav1.Status` as Kubernetes sends it for every failure. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: FieldCause[];
  retryAfterSeconds?: number;
}

/** A failure the HTTP layer answers with a Status of this code and reason. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function statusOf(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) {
    const d: StatusDetails = {};
    if (details.name) d.name = details.name;
    if (details.group) d.group = details.group;
    if (details.kind) d.kind = details.kind;
    if (details.uid) d.uid = details.uid;
    if (details.causes?.length) d.causes = details.causes;
    if (details.retryAfterSeconds) d.retryAfterSeconds = details.retryAfterSeconds;
    status.details = d;
  }
  return status;
}

export const successStatus = (details?: StatusDetails): Record<string, unknown> => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  ...(details ? { details } : {}),
});

/** The resource as Kubernetes names it in messages: `pods`, `deployments.apps`. */
export interface ResourceName {
  group: string;
  plural: string;
}

const qualified = (r: ResourceName): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);
export const notFoundError = (r: ResourceName, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });
export const alreadyExistsError = (r: ResourceName, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural });
export const conflictError = (r: ResourceName, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group, kind: r.plural });
export const forbiddenError = (r: ResourceName, name: string, why: string): ApiError =>
  new ApiError(403, 'Forbidden', `${qualified(r)}${name ? ` "${name}"` : ''} is forbidden: ${why}`, { name, group: r.group, kind: r.plural });
export const goneError = (message: string): ApiError => new ApiError(410, 'Expired', message);
export const methodNotAllowed = (): ApiError => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
export const pathNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** 422 Invalid: `Pod "x" is invalid: spec.containers[0].image: Required value`, one cause per field. */
export function invalidError(kind: string, group: string, name: string, causes: FieldCause[]): ApiError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind}${name ? ` "${name}"` : ''} is invalid: ${list}`, { name, group, kind, causes });
}

/** Any thrown value as a Status: ApiErrors as they are, berth errors by kind, the rest 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof BerthError) {
    switch (errorKind(err)) {
      case 'invalid-argument':
        return badRequest(message);
      case 'not-found':
        return new ApiError(404, 'NotFound', message);
      case 'already-exists':
        return new ApiError(409, 'AlreadyExists', message);
      case 'conflict':
        return new ApiError(409, 'Conflict', message);
      case 'gone':
        return goneError(message);
      case 'unavailable':
        return new ApiError(503, 'ServiceUnavailable', message);
      case 'failed-precondition':
        return new ApiError(409, 'Conflict', message);
      case 'internal':
        break;
    }
  }
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}
