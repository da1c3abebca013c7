import type { ContainerService, ContainerStatus, NetworkService, WaitCondition } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { parseCreateRequest } from './container-create.js';
import { filterContainers, labelMatches, newestFirst } from './container-list.js';
import { containerInspect, containerSummary } from './container-shapes.js';
import { parseApiTime } from './docker-time.js';
import type { RouteContext, Router } from './http.js';
import { parseFilters, queryFlag, queryInt, readJsonBody, sendJson } from './http.js';

/** Container lifecycle, list and inspect, wait and prune: Docker's routes over the engine. */

const id = (ctx: RouteContext): string => ctx.params[0] ?? '';

/** States in which Docker counts a container as started (start → 304, stop proceeds). */
const upStates = new Set<ContainerStatus>(['running', 'paused', 'restarting']);

const waitConditions = new Set<WaitCondition>(['not-running', 'next-exit', 'removed']);

function noContent(ctx: RouteContext, status = 204): void {
  ctx.res.writeHead(status).end();
}

/** The IDs of the predefined host and none networks, which inspect names for such containers. */
async function hostNetworkIds(networks: NetworkService | undefined): Promise<{ host?: string; none?: string }> {
  const out: { host?: string; none?: string } = {};
  for (const name of ['host', 'none'] as const) {
    try {
      const id = (await networks?.get(name))?.id;
      if (id !== undefined) out[name] = id;
    } catch {
      // a test engine without networks
    }
  }
  return out;
}

export function containerRoutes(router: Router, containers: ContainerService, networks?: NetworkService): void {
  router.add('POST', /^\/containers\/create$/, async (ctx) => {
    const warnings: string[] = [];
    const request = parseCreateRequest(await readJsonBody(ctx), ctx.query.get('name'), warnings);
    const created = await containers.create(request);
    sendJson(ctx.res, 201, { Id: created.id, Warnings: [...warnings, ...created.warnings] });
  });

  router.add('GET', /^\/containers\/json$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const limit = queryInt(query, 'limit');
    const all =
      queryFlag(query, 'all') ||
      (limit !== undefined && limit > 0) ||
      ['status', 'exited', 'before', 'since'].some((key) => filters.has(key));
    const records = filterContainers(await containers.list({ all }), filters);
    const now = new Date();
    sendJson(res, 200, newestFirst(records, limit).map((r) => containerSummary(r, now)));
  });

  router.add('POST', /^\/containers\/prune$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const until = filters.get('until')?.[0];
    const before = until ? parseApiTime(until, 'until') : undefined;
    const deletable = new Set<ContainerStatus>(['created', 'exited', 'dead']);
    const candidates = (await containers.list({ all: true })).filter(
      (r) =>
        deletable.has(r.state.status) &&
        (!before || r.created < before) &&
        (filters.get('label') ?? []).every((l) => labelMatches(r.config.labels, l)) &&
        (filters.get('label!') ?? []).every((l) => !labelMatches(r.config.labels, l)),
    );
    const deleted: string[] = [];
    for (const record of candidates) {
      await containers.remove(record.id);
      deleted.push(record.id);
    }
    sendJson(res, 200, { ContainersDeleted: deleted, SpaceReclaimed: 0 });
  });

  router.add('GET', /^\/containers\/([^/]+)\/json$/, async (ctx) => {
    sendJson(ctx.res, 200, containerInspect(await containers.get(id(ctx)), [], await hostNetworkIds(networks)));
  });

  router.add('POST', /^\/containers\/([^/]+)\/start$/, async (ctx) => {
    const record = await containers.get(id(ctx));
    if (upStates.has(record.state.status) && record.state.status !== 'restarting') return noContent(ctx, 304);
    await containers.start(record.id);
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/stop$/, async (ctx) => {
    const timeoutSeconds = queryInt(ctx.query, 't');
    const signal = ctx.query.get('signal') || undefined;
    const record = await containers.get(id(ctx));
    if (!upStates.has(record.state.status)) return noContent(ctx, 304);
    await containers.stop(record.id, { ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}), ...(signal ? { signal } : {}) });
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/restart$/, async (ctx) => {
    const timeoutSeconds = queryInt(ctx.query, 't');
    await containers.restart(id(ctx), timeoutSeconds !== undefined ? { timeoutSeconds } : {});
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/kill$/, async (ctx) => {
    await containers.kill(id(ctx), ctx.query.get('signal') || undefined);
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/pause$/, async (ctx) => {
    await containers.pause(id(ctx));
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/unpause$/, async (ctx) => {
    await containers.unpause(id(ctx));
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/rename$/, async (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw invalidArgument('name is required');
    await containers.rename(id(ctx), name.replace(/^\//, ''));
    noContent(ctx);
  });

  router.add('POST', /^\/containers\/([^/]+)\/resize$/, async (ctx) => {
    const height = queryInt(ctx.query, 'h') ?? 0;
    const width = queryInt(ctx.query, 'w') ?? 0;
    await containers.resize(id(ctx), width, height);
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end();
  });

  router.add('POST', /^\/containers\/([^/]+)\/wait$/, (ctx) => waitRoute(ctx, containers));

  router.add('DELETE', /^\/containers\/([^/]+)$/, async (ctx) => {
    await containers.remove(id(ctx), { force: queryFlag(ctx.query, 'force'), volumes: queryFlag(ctx.query, 'v') });
    noContent(ctx);
  });
}

/**
 * `/wait`: the docker CLI starts a container only once this answer's headers have
 * arrived, so they go out at once; the body follows when the condition holds.
 */
async function waitRoute(ctx: RouteContext, containers: ContainerService): Promise<void> {
  const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
  if (!waitConditions.has(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
  const record = await containers.get(id(ctx));
  const waiting = containers.wait(record.id, condition).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  // A wait the engine refuses at once still gets a proper status code.
  const early = await Promise.race([waiting, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
  if (early && 'error' in early) throw early.error;
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const settled = early ?? (await waiting);
  const body =
    'result' in settled
      ? { StatusCode: settled.result.exitCode, Error: settled.result.error ? { Message: settled.result.error } : null }
      : { StatusCode: -1, Error: { Message: settled.error instanceof Error ? settled.error.message : String(settled.error) } };
  res.end(JSON.stringify(body) + '\n');
}
