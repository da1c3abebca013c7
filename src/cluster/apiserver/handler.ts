import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { adminGroup, authorize, forbiddenMessage, userFromCertificate, type RequestAttributes, type TokenFile, type UserInfo } from './auth.js';
import { decodeObjectBody, decodePatchBody, readBody } from './body.js';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.js';
import { parseResourceVersion, type DeleteOptions, type FieldValidation, type ObjectService, type PropagationPolicy, type Scope, type WriteOptions } from './objects.js';
import { OpenApiV3 } from './openapi.js';
import type { ResourceRegistry } from './resources.js';
import { ApiError, badRequest, methodNotAllowed, pathNotFound, statusOf, successStatus, toApiError } from './status.js';
import { bindPod, evictPod, getScale, writeScale } from './subresources.js';
import { partialMetadata, representationOf, toTable, type IncludeObject } from './table.js';
import { parseFieldSelector, parseLabelSelector, type KubeObject, type Strategy } from './types/index.js';
import { watchObjects } from './watch.js';

export interface HandlerOptions {
  registry: ResourceRegistry;
  objects: ObjectService;
  tokens: TokenFile;
  /** host:port clients reach this server at, for `/api`. */
  serverAddress: string;
  bookmarkIntervalMs: number;
  /** Whether storage answers (`/readyz`). */
  ready: () => Promise<boolean>;
}

/** What `/version` reports: a real Kubernetes minor (kubectl picks its behaviour by it). */
export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.4-berth', gitCommit: '', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` };

const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/healthz/ping', '/livez/ping', '/readyz/ping']);

/** The resource a URL addresses. */
interface ResourcePath {
  strategy: Strategy;
  namespace?: string;
  name?: string;
  subresource?: string;
  legacyWatch: boolean;
}

/**
 * The HTTP face of the API server: authenticates, routes, authorises and translates
 * between HTTP and the object service. Semantics live in ObjectService and the
 * subresource helpers.
 */
export class ApiHandler {
  private readonly openapi: OpenApiV3;

  constructor(private readonly o: HandlerOptions) {
    this.openapi = new OpenApiV3(o.registry);
  }

  /** Known once the listener is bound. */
  setServerAddress(address: string): void {
    this.o.serverAddress = address;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendStatus(res, toApiError(err));
      else res.destroy();
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (publicPaths.has(path)) return await this.servePublic(path, res);
    const user = this.authenticate(req);
    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (req.method === 'GET' && this.serveDiscovery(segments, req, res)) return;
    if (segments[0] === 'openapi') return this.serveOpenApi(segments, url, res);
    const rp = this.resolve(segments);
    const verb = verbOf(req.method ?? 'GET', rp, url);
    const attrs: RequestAttributes = {
      verb,
      group: rp.strategy.type.group,
      resource: rp.strategy.type.plural,
      ...(rp.subresource ? { subresource: rp.subresource } : {}),
      ...(rp.namespace ? { namespace: rp.namespace } : {}),
      ...(rp.name ? { name: rp.name } : {}),
    };
    if (!authorize(user, attrs)) throw new ApiError(403, 'Forbidden', forbiddenMessage(user, attrs), { ...(rp.name ? { name: rp.name } : {}), group: rp.strategy.type.group, kind: rp.strategy.type.plural });
    await this.serveResource(req, res, url, rp, verb);
  }

  private authenticate(req: IncomingMessage): UserInfo | undefined {
    const user = this.credentialsOf(req);
    return user && impersonate(user, req);
  }

  private credentialsOf(req: IncomingMessage): UserInfo | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return this.o.tokens.authenticate(auth.slice(7).trim());
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cert = socket.getPeerX509Certificate?.();
      if (cert) return userFromCertificate(cert);
    }
    return undefined;
  }

  private async servePublic(path: string, res: ServerResponse): Promise<void> {
    if (path === '/version') return sendJson(res, 200, kubernetesVersion);
    const ready = !path.startsWith('/readyz') || (await this.o.ready());
    res.writeHead(ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(ready ? 'ok' : '[-]storage not ready\nreadyz check failed');
  }

  /** Discovery documents; false when the path is not one. */
  private serveDiscovery(segments: string[], req: IncomingMessage, res: ServerResponse): boolean {
    const [root, a, b, c] = segments;
    const reg = this.o.registry;
    const aggregated = wantsAggregated(req.headers.accept);
    if (root === 'api' && a === undefined) {
      if (aggregated) sendJson(res, 200, aggregatedDiscovery(reg, true), aggregatedContentType);
      else sendJson(res, 200, apiVersions(this.o.serverAddress));
      return true;
    }
    if (root === 'api' && a === 'v1' && b === undefined) {
      sendJson(res, 200, apiResourceList(reg, '', 'v1'));
      return true;
    }
    if (root === 'apis' && a === undefined) {
      if (aggregated) sendJson(res, 200, aggregatedDiscovery(reg, false), aggregatedContentType);
      else sendJson(res, 200, apiGroupList(reg));
      return true;
    }
    if (root === 'apis' && a !== undefined && c === undefined) {
      const g = reg.groupVersions().find((x) => x.group === a);
      if (!g || (b !== undefined && !g.versions.includes(b))) throw pathNotFound();
      sendJson(res, 200, b === undefined ? apiGroup(a, g.versions) : apiResourceList(reg, a, b));
      return true;
    }
    return false;
  }

  private serveOpenApi(segments: string[], url: URL, res: ServerResponse): void {
    if (segments[1] === 'v3' && segments.length === 2) return sendJson(res, 200, this.openapi.index());
    if (segments[1] === 'v3') {
      const doc = this.openapi.document(segments.slice(2).join('/'));
      if (!doc) throw pathNotFound();
      const hash = url.searchParams.get('hash');
      res.writeHead(200, {
        'Content-Type': 'application/json',
        ETag: `"${doc.hash}"`,
        'Cache-Control': hash === doc.hash ? 'public, immutable' : 'no-cache, private',
      });
      res.end(doc.body);
      return;
    }
    throw pathNotFound();
  }

  /** `/api/v1/...` or `/apis/<g>/<v>/...` to a resource, namespace, name and subresource. */
  private resolve(segments: string[]): ResourcePath {
    let rest: string[];
    let group: string;
    let version: string;
    if (segments[0] === 'api' && segments[1] === 'v1') {
      group = '';
      version = 'v1';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      group = segments[1] ?? '';
      version = segments[2] ?? '';
      rest = segments.slice(3);
    } else throw pathNotFound();
    const legacyWatch = rest[0] === 'watch';
    if (legacyWatch) rest = rest.slice(1);
    const reg = this.o.registry;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const nested = reg.lookup(group, version, rest[2] ?? '');
      if (nested?.type.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const [plural = '', name, subresource, ...extra] = rest;
    const strategy = reg.lookup(group, version, plural);
    if (!strategy || extra.length) throw pathNotFound();
    if (subresource !== undefined && !strategy.type.subresources.includes(subresource) && !(plural === 'namespaces' && subresource === 'finalize')) throw pathNotFound();
    if (name !== undefined && strategy.type.namespaced && namespace === undefined) throw pathNotFound();
    return { strategy, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}), legacyWatch };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, rp: ResourcePath, verb: string): Promise<void> {
    const q = url.searchParams;
    const s = rp.strategy;
    const scope: Scope = { strategy: s, ...(rp.namespace !== undefined ? { namespace: rp.namespace } : {}) };
    const objects = this.o.objects;
    const name = rp.name ?? '';
    const representation = representationOf(req.headers.accept);
    const present = (obj: KubeObject): KubeObject => presentObject(s, obj);
    switch (verb) {
      case 'get': {
        if (rp.subresource === 'scale') return sendJson(res, 200, await getScale(objects, scope, name));
        if (rp.subresource === 'log' || rp.subresource === 'exec' || rp.subresource === 'attach' || rp.subresource === 'portforward' || rp.subresource === 'proxy') throw nodeAgentMissing(rp.subresource);
        const obj = present(await objects.get(scope, name));
        if (representation === 'table') return sendJson(res, 200, toTable(s, [obj], includeObjectOf(q), { resourceVersion: String(obj.metadata.resourceVersion) }, new Date()));
        if (representation === 'metadata') return sendJson(res, 200, partialMetadata(obj));
        return sendJson(res, 200, obj);
      }
      case 'list': {
        const list = await objects.list(scope, listOptions(q));
        const meta = { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}) };
        const items = list.items.map(present);
        if (representation === 'table') return sendJson(res, 200, toTable(s, items, includeObjectOf(q), meta, new Date()));
        if (representation === 'metadata') return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map(partialMetadata) });
        return sendJson(res, 200, { kind: s.type.listKind, apiVersion: apiVersionOf(s), metadata: meta, items });
      }
      case 'watch':
        return this.serveWatch(req, res, q, scope, rp, representation);
      case 'create': {
        if (rp.subresource === 'exec' || rp.subresource === 'attach' || rp.subresource === 'portforward' || rp.subresource === 'proxy') throw nodeAgentMissing(rp.subresource);
        const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
        const opts = writeOptions(q, req);
        if (rp.subresource === 'binding' || (s.type.plural === 'bindings' && !rp.subresource)) {
          const podStrategy = this.o.registry.lookup('', 'v1', 'pods');
          if (!podStrategy) throw pathNotFound();
          await bindPod(objects, { strategy: podStrategy, namespace: rp.namespace ?? '' }, rp.subresource ? name : String(body.metadata?.name ?? ''), body, opts);
          return sendJson(res, 201, { ...successStatus(), code: 201 });
        }
        if (rp.subresource === 'eviction') {
          await evictPod(objects, this.o.registry, scope, name, body, opts);
          return sendJson(res, 201, { ...successStatus(), code: 201 });
        }
        if (rp.subresource) throw nodeAgentMissing(rp.subresource);
        const created = await objects.create(scope, body, opts);
        return sendJson(res, 201, present(created), undefined, opts.warnings);
      }
      case 'update': {
        const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
        const opts = writeOptions(q, req);
        if (rp.subresource === 'scale') return sendJson(res, 200, await writeScale(objects, scope, name, { body }, opts), undefined, opts.warnings);
        if (rp.subresource === 'finalize') return this.finalizeNamespace(res, scope, name, body, opts);
        const result = await objects.update(scope, name, body, opts, rp.subresource);
        return sendJson(res, result.created ? 201 : 200, present(result.object), undefined, opts.warnings);
      }
      case 'patch': {
        const { type, patch } = decodePatchBody(await readBody(req), req.headers['content-type']);
        if (type === 'strategic' && this.o.registry.isCustom(s)) {
          throw new ApiError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources: use application/merge-patch+json or application/apply-patch+yaml');
        }
        if (type === 'apply' && !q.get('fieldManager')) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
        const opts = { ...writeOptions(q, req), force: q.get('force') === 'true' };
        if (rp.subresource === 'scale') return sendJson(res, 200, await writeScale(objects, scope, name, { type, patch }, opts), undefined, opts.warnings);
        const result = await objects.patch(scope, name, type, patch, opts, rp.subresource);
        return sendJson(res, result.created ? 201 : 200, present(result.object), undefined, opts.warnings);
      }
      case 'delete': {
        const opts = writeOptions(q, req);
        const options = await deleteOptions(req, q);
        const result = await objects.delete(scope, name, options, opts);
        const body = returnsObjectOnDelete(s) || !result.deleted ? present(result.object) : successStatus({ name, group: s.type.group, kind: s.type.plural, uid: String(result.object.metadata.uid) });
        return sendJson(res, result.deleted ? 200 : 202, body);
      }
      case 'deletecollection': {
        const opts = writeOptions(q, req);
        const options = await deleteOptions(req, q);
        const list = await objects.list(scope, listOptions(q));
        const deleted: KubeObject[] = [];
        for (const obj of list.items) {
          try {
            deleted.push(present((await objects.delete({ strategy: s, namespace: obj.metadata.namespace }, obj.metadata.name, options, opts)).object));
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 404)) throw err;
          }
        }
        return sendJson(res, 200, { kind: s.type.listKind, apiVersion: apiVersionOf(s), metadata: { resourceVersion: String(await objects.store.currentRevision()) }, items: deleted });
      }
      default:
        throw methodNotAllowed();
    }
  }

  private async finalizeNamespace(res: ServerResponse, scope: Scope, name: string, body: KubeObject, opts: WriteOptions): Promise<void> {
    const finalizers = Array.isArray(body.spec?.finalizers) ? (body.spec.finalizers as string[]) : [];
    const result = await this.o.objects.modify(scope, name, opts.fieldManager, (ns) => {
      (ns.spec ??= {}).finalizers = finalizers;
      return true;
    });
    sendJson(res, 200, result ?? body);
  }

  private async serveWatch(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, scope: Scope, rp: ResourcePath, representation: string): Promise<void> {
    const s = scope.strategy;
    let fieldSelector = q.get('fieldSelector') ?? undefined;
    if (rp.name) fieldSelector = [`metadata.name=${rp.name}`, ...(fieldSelector ? [fieldSelector] : [])].join(',');
    // Bad selectors and resource versions fail before the stream starts, as a Status.
    if (q.get('labelSelector')) parseLabelSelector(q.get('labelSelector') ?? '');
    if (fieldSelector) parseFieldSelector(fieldSelector);
    const rv = q.get('resourceVersion');
    if (rv && rv !== '0') parseResourceVersion(rv);
    const abort = new AbortController();
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = setTimeout(() => abort.abort(), (timeout > 0 ? timeout : 1800 + Math.random() * 1800) * 1000);
    res.on('close', () => abort.abort());
    const events = watchObjects(this.o.objects, scope, {
      ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion') ?? '' } : {}),
      ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector') ?? '' } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: q.get('sendInitialEvents') === 'true',
      bookmarkIntervalMs: this.o.bookmarkIntervalMs,
    }, abort.signal);
    const include = includeObjectOf(q);
    let first = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    try {
      for await (const ev of events) {
        let object = ev.object;
        if (ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') {
          object = presentObject(s, object);
          if (representation === 'table') object = toTable(s, [object], include, { resourceVersion: String(object.metadata.resourceVersion) }, new Date(), first);
          else if (representation === 'metadata') object = partialMetadata(object);
          first = false;
        }
        const ok = res.write(eventLine(ev.type, object));
        if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
        if (abort.signal.aborted) break;
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    res.end();
  }
}

/**
 * `Impersonate-User`/`Impersonate-Group` (kubectl --as, --as-group): only admins may act
 * as someone else, as Kubernetes grants the `impersonate` verb to them alone by default.
 */
function impersonate(user: UserInfo, req: IncomingMessage): UserInfo {
  const as = req.headers['impersonate-user'];
  const groups = req.headers['impersonate-group'];
  if (as === undefined && groups === undefined) return user;
  const name = Array.isArray(as) ? as[0] : as;
  if (!name) throw badRequest('requested impersonation of groups without impersonating a user');
  if (!user.groups.includes(adminGroup)) throw new ApiError(403, 'Forbidden', `users "${name}" is forbidden: User "${user.name}" cannot impersonate resource "users" in API group "" at the cluster scope`, { name, kind: 'users' });
  const list = (Array.isArray(groups) ? groups : groups === undefined ? [] : [groups]).flatMap((g) => g.split(',')).map((g) => g.trim()).filter((g) => g !== '');
  return { name, groups: [...list, 'system:authenticated'] };
}

/** Watchers of one resource share the store's decoded objects; each event's line is then encoded once for all of them. */
const encodedEvents = new WeakMap<KubeObject, Map<string, string>>();

function eventLine(type: string, object: KubeObject): string {
  let lines = encodedEvents.get(object);
  let line = lines?.get(type);
  if (line === undefined) {
    line = `${JSON.stringify({ type, object })}\n`;
    if (!lines) encodedEvents.set(object, (lines = new Map()));
    lines.set(type, line);
  }
  return line;
}

const apiVersionOf = (s: Strategy): string => (s.type.group ? `${s.type.group}/${s.type.version}` : s.type.version);

/** Objects stored under another version of the same resource (CRDs with several versions) are served as the version asked for. */
function presentObject(s: Strategy, obj: KubeObject): KubeObject {
  const apiVersion = apiVersionOf(s);
  return obj.apiVersion === apiVersion && obj.kind === s.type.kind ? obj : { ...obj, apiVersion, kind: s.type.kind };
}

/** Kubernetes answers DELETE with the object for these resources and with a Status for the rest. */
const objectOnDelete = new Set(['/pods', '/namespaces', '/services', 'apiextensions.k8s.io/customresourcedefinitions']);
const returnsObjectOnDelete = (s: Strategy): boolean => objectOnDelete.has(`${s.type.group}/${s.type.plural}`);

const nodeAgentMissing = (sub: string): ApiError =>
  new ApiError(501, 'NotImplemented', `the ${sub} subresource needs the node agent, which this server does not run yet`);

function verbOf(method: string, rp: ResourcePath, url: URL): string {
  const watchParam = url.searchParams.get('watch');
  const watching = rp.legacyWatch || watchParam === 'true' || watchParam === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watching) return 'watch';
      return rp.name !== undefined ? 'get' : 'list';
    case 'POST':
      if (rp.name !== undefined && rp.subresource === undefined) throw methodNotAllowed();
      return 'create';
    case 'PUT':
      if (rp.name === undefined) throw methodNotAllowed();
      return 'update';
    case 'PATCH':
      if (rp.name === undefined) throw methodNotAllowed();
      return 'patch';
    case 'DELETE':
      if (rp.subresource !== undefined) throw methodNotAllowed();
      return rp.name !== undefined ? 'delete' : 'deletecollection';
    default:
      throw methodNotAllowed();
  }
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === 'None' || v === 'Object') return v;
  return 'Metadata';
}

function listOptions(q: URLSearchParams): Parameters<ObjectService['list']>[1] {
  const limit = q.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) throw badRequest(`invalid limit: ${JSON.stringify(limit)}`);
  const out: Parameters<ObjectService['list']>[1] = {};
  for (const k of ['labelSelector', 'fieldSelector', 'continue', 'resourceVersion', 'resourceVersionMatch'] as const) {
    const v = q.get(k);
    if (v !== null && v !== '') out[k] = v;
  }
  if (limit) out.limit = Number(limit);
  return out;
}

const fieldValidations = new Set<FieldValidation>(['Ignore', 'Warn', 'Strict']);

function writeOptions(q: URLSearchParams, req: IncomingMessage): WriteOptions {
  const dryRun = q.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) throw badRequest(`Invalid dry run value: ${JSON.stringify(dryRun.find((d) => d !== 'All'))}: supported values: "All"`);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!fieldValidations.has(fv as FieldValidation)) throw badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(fv)}: supported values: "Ignore", "Strict", "Warn"`);
  const agent = String(req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
  return { dryRun: dryRun.length > 0, fieldManager: q.get('fieldManager') ?? agent, fieldValidation: fv as FieldValidation, warnings: [] };
}

const propagationPolicies = new Set(['Background', 'Foreground', 'Orphan']);

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let body: KubeObject = {};
  if (raw.length > 0) body = decodeObjectBody(raw, req.headers['content-type']) as KubeObject;
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy ?? (body.orphanDependents === true || q.get('orphanDependents') === 'true' ? 'Orphan' : undefined);
  if (policy !== undefined && !propagationPolicies.has(policy)) throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Background", "Foreground", "Orphan"`);
  const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  return {
    ...(policy ? { propagationPolicy: policy as PropagationPolicy } : {}),
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(body.preconditions ? { preconditions: body.preconditions } : {}),
  };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', warnings: string[] = []): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(JSON.stringify(body));
}

function sendStatus(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, statusOf(err.code, err.reason, err.message, err.details));
}
