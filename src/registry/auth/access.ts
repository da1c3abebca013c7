import type { IncomingHttpHeaders } from 'node:http';
import type { Route } from '../routes.js';
import type { Access } from './scope.js';

/** Who a request is, and what they may do. */
export interface Identity {
  /** The user, or `anonymous`. */
  subject: string;
  allows(access: Access): boolean;
}

/** A refusal: the 401's challenge and the message of its UNAUTHORIZED body. */
export interface Refusal {
  challenge: string;
  message: string;
  /** What the request needed, for the error's detail. */
  needed?: Access;
}

export type Decision = { identity: Identity } | { refusal: Refusal };

/** One authentication scheme of the registry: decides a request from its headers and route. */
export interface RegistryAuth {
  authorize(headers: IncomingHttpHeaders, route: Route | undefined, method: string): Promise<Decision>;
}

/** Everyone may do everything: the registry without `--auth`. */
export const allowAll: Identity = { subject: 'anonymous', allows: () => true };
