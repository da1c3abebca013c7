import type { Route } from '../routes.js';

/** One access claim of a token, as Docker's token spec has it. */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses `repository:name:pull,push` (and `registry:catalog:*`). The name may itself hold
 * colons (a port), so type is the first field and actions the last.
 */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

export const formatScope = (access: Access): string => `${access.type}:${access.name}:${access.actions.join(',')}`;

/** What a request needs: nothing more than a valid identity for `/v2/`, else one action. */
export type Requirement = { kind: 'authenticated' } | { kind: 'access'; access: Access };

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The access a request on `route` with `method` needs. */
export function requirementOf(route: Route | undefined, method: string): Requirement {
  if (route === undefined || route.kind === 'base') return { kind: 'authenticated' };
  if (route.kind === 'catalog') return { kind: 'access', access: { type: 'registry', name: 'catalog', actions: ['*'] } };
  const action = writeMethods.has(method) ? 'push' : 'pull';
  const access: Access = { type: 'repository', name: route.name, actions: [action] };
  return { kind: 'access', access };
}

/** True when the granted claims cover every action asked for. */
export function covers(granted: readonly Access[], wanted: Access): boolean {
  return wanted.actions.every((action) =>
    granted.some((g) => g.type === wanted.type && g.name === wanted.name && (g.actions.includes(action) || g.actions.includes('*'))),
  );
}
