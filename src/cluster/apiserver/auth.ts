import { randomBytes, timingSafeEqual, type X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno, invalidArgument } from '../../lib/index.js';

/** Who made a request, as Kubernetes' authenticators report it. */
export interface UserInfo {
  name: string;
  groups: string[];
}

export const adminGroup = 'system:masters';
export const nodesGroup = 'system:nodes';
/** Members may get, list and watch everything but secrets (Kubernetes' `view` role). */
export const viewersGroup = 'berth:viewers';

export interface StaticToken {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

/**
 * Bearer tokens in Kubernetes' static token file format (`token,user,uid,"group1,group2"`),
 * kept at `<root>/tokens.csv` with mode 0600. The first start writes an admin token and a
 * node token; an operator may add lines (restart to apply).
 */
export class TokenFile {
  private constructor(
    readonly path: string,
    readonly tokens: StaticToken[],
  ) {}

  static async loadOrCreate(root: string): Promise<TokenFile> {
    const path = join(root, 'tokens.csv');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      const tokens: StaticToken[] = [
        { token: newToken(), user: 'admin', uid: 'admin', groups: [adminGroup] },
        { token: newToken(), user: 'system:node:berth', uid: 'node', groups: [nodesGroup] },
      ];
      text = tokens.map(formatLine).join('');
      await writeFile(path, text, { mode: 0o600, flag: 'wx' });
    }
    return new TokenFile(path, parseTokenFile(path, text));
  }

  authenticate(bearer: string): UserInfo | undefined {
    const given = Buffer.from(bearer);
    for (const t of this.tokens) {
      const want = Buffer.from(t.token);
      if (want.length === given.length && timingSafeEqual(want, given)) return { name: t.user, groups: t.groups };
    }
    return undefined;
  }

  /** The first token of a user in `group`, for the kubeconfig and node joins. */
  tokenFor(group: string): string | undefined {
    return this.tokens.find((t) => t.groups.includes(group))?.token;
  }
}

const newToken = (): string => randomBytes(24).toString('base64url');

function formatLine(t: StaticToken): string {
  return `${t.token},${t.user},${t.uid},"${t.groups.join(',')}"\n`;
}

export function parseTokenFile(path: string, text: string): StaticToken[] {
  const tokens: StaticToken[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(line);
    if (!m) throw invalidArgument(`${path}:${i + 1}: expected token,user,uid[,"group1,group2"]`);
    const [, token = '', user = '', uid = '', groups = ''] = m;
    tokens.push({ token, user, uid, groups: groups.split(',').filter((g) => g !== '') });
  });
  return tokens;
}

/** The user a verified client certificate names: CN is the user, each O a group. */
export function userFromCertificate(cert: X509Certificate): UserInfo | undefined {
  let name: string | undefined;
  const groups: string[] = [];
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') name = value;
    else if (key === 'O') groups.push(value);
  }
  return name ? { name, groups } : undefined;
}

/** What a request asks to do, in RBAC's words. */
export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const readVerbs = new Set(['get', 'list', 'watch']);

/** Resources a node agent reads (kubelet's node authorizer grants about the same). */
const nodeReads = new Set(['pods', 'services', 'endpoints', 'endpointslices', 'nodes', 'namespaces', 'configmaps', 'secrets', 'persistentvolumeclaims', 'serviceaccounts', 'leases', 'events']);

/**
 * Authorisation without RBAC objects: admins (system:masters) may do everything; nodes
 * (system:nodes) read what a kubelet reads and write nodes, node status, pod status, pods
 * (mirror pods and deletion), events and leases; viewers read all but secrets; other users
 * may only read discovery (handled before this check).
 */
export function authorize(user: UserInfo, attrs: RequestAttributes): boolean {
  if (user.groups.includes(adminGroup)) return true;
  if (user.groups.includes(nodesGroup)) {
    if (readVerbs.has(attrs.verb)) return nodeReads.has(attrs.resource) || attrs.subresource === 'status';
    if (attrs.resource === 'nodes') return true;
    if (attrs.resource === 'pods') return attrs.subresource === 'status' || attrs.subresource === undefined || attrs.subresource === 'eviction';
    if (attrs.resource === 'events' || attrs.resource === 'leases') return true;
    if (attrs.resource === 'serviceaccounts' && attrs.subresource === 'token') return true;
    return false;
  }
  if (user.groups.includes(viewersGroup)) return readVerbs.has(attrs.verb) && attrs.resource !== 'secrets';
  return false;
}

/** Kubernetes' wording of a refusal: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenMessage(user: UserInfo, attrs: RequestAttributes): string {
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const what = attrs.name ? `${attrs.resource}${attrs.group ? `.${attrs.group}` : ''} "${attrs.name}"` : `${attrs.resource}${attrs.group ? `.${attrs.group}` : ''}`;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`;
}
