import type { Readable } from 'node:stream';
import type { ArchiveBuildOptions, BuildOutput, BuildResult } from '../../build/index.js';
import type { Engine, RegistryAuth, ResourceLimits } from '../../engine/index.js';
import type { ContainerConfig as ImageExecConfig } from '../../oci/index.js';
import { failedPrecondition, invalidArgument } from '../../lib/index.js';
import { queryFlag, queryInt, readJsonBody, startJsonStream, type Router } from './http.js';
import { pullMessages } from './image-transfer.js';

/** Runs a build from an uploaded context; the daemon wires the builder in. */
export type BuildBackend = (archive: Readable, options: ArchiveBuildOptions, out: BuildOutput) => Promise<BuildResult>;

function jsonMap(query: URLSearchParams, name: string): Record<string, string> {
  const raw = query.get(name);
  if (raw === null || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`${name}: invalid JSON: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument(`${name}: expected a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    // A null value means "from the client's environment", which the client resolves; unset here.
    if (v === null) continue;
    if (typeof v !== 'string') throw invalidArgument(`${name}: the value of ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** `POST /build` query parameters → builder options (the classic builder's set). */
export function buildOptionsOf(query: URLSearchParams): ArchiveBuildOptions {
  if ((query.get('remote') ?? '') !== '') throw invalidArgument('remote build contexts are not supported: send the context as the request body');
  const version = query.get('version');
  if (version === '2') throw invalidArgument('BuildKit (version=2) is not supported by this daemon: use the classic builder (DOCKER_BUILDKIT=0)');
  const network = query.get('networkmode') ?? '';
  const target = query.get('target') ?? '';
  const platform = query.get('platform') ?? '';
  const dockerfile = query.get('dockerfile') ?? '';
  const resources = resourcesOf(query);
  return {
    tags: query.getAll('t').filter((t) => t !== ''),
    buildArgs: jsonMap(query, 'buildargs'),
    labels: jsonMap(query, 'labels'),
    noCache: queryFlag(query, 'nocache'),
    pull: queryFlag(query, 'pull'),
    remove: query.get('rm') === null ? true : queryFlag(query, 'rm'),
    forceRemove: queryFlag(query, 'forcerm'),
    ...(dockerfile === '' ? {} : { dockerfile }),
    ...(target === '' ? {} : { target }),
    ...(platform === '' ? {} : { platform }),
    ...(network === '' || network === 'default' ? {} : { networkMode: network }),
    ...(Object.keys(resources).length === 0 ? {} : { resources }),
  };
}

/** `memory`, `memswap`, `cpushares`, `cpuquota`, `cpuperiod`: limits of the RUN containers. */
function resourcesOf(query: URLSearchParams): ResourceLimits {
  const out: ResourceLimits = {};
  const fields = [
    ['memory', 'memory'],
    ['memswap', 'memorySwap'],
    ['cpushares', 'cpuShares'],
    ['cpuquota', 'cpuQuota'],
    ['cpuperiod', 'cpuPeriod'],
  ] as const;
  for (const [param, key] of fields) {
    const value = queryInt(query, param);
    if (value !== undefined && value !== 0) out[key] = value;
  }
  return out;
}

/** `X-Registry-Config`: base64url JSON of registry → credentials; undecodable is ignored, as moby does. */
export function registryConfigOf(header: string | string[] | undefined): Record<string, RegistryAuth> {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const out: Record<string, RegistryAuth> = {};
  for (const [registry, entry] of Object.entries(parsed)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const auth: RegistryAuth = {};
    for (const key of ['username', 'password', 'identitytoken', 'registrytoken', 'serveraddress'] as const) {
      const field = (entry as Record<string, unknown>)[key];
      if (typeof field === 'string' && field !== '') auth[key] = field;
    }
    if (Object.keys(auth).length > 0) out[registry] = auth;
  }
  return out;
}

/** The execution settings a commit's body may set (Docker's container.Config, these fields). */
export function commitConfigOf(body: unknown): ImageExecConfig {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const strings = (key: string): string[] | undefined => {
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidArgument(`commit: ${key} must be a list of strings`);
    return v;
  };
  const text = (key: string): string | undefined => {
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidArgument(`commit: ${key} must be a string`);
    return v;
  };
  const set = (key: string): Record<string, Record<string, never>> | undefined => {
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`commit: ${key} must be an object`);
    return Object.fromEntries(Object.keys(v).map((k) => [k, {}]));
  };
  const labels = b['Labels'];
  if (labels !== undefined && labels !== null && (typeof labels !== 'object' || Array.isArray(labels) || !Object.values(labels).every((x) => typeof x === 'string'))) {
    throw invalidArgument('commit: Labels must map strings to strings');
  }
  const out: ImageExecConfig = {};
  const cmd = strings('Cmd');
  const entrypoint = strings('Entrypoint');
  const env = strings('Env');
  const onBuild = strings('OnBuild');
  const user = text('User');
  const workingDir = text('WorkingDir');
  const stopSignal = text('StopSignal');
  const ports = set('ExposedPorts');
  const volumes = set('Volumes');
  if (cmd) out.Cmd = cmd;
  if (entrypoint) out.Entrypoint = entrypoint;
  if (env) out.Env = env;
  if (onBuild) out.OnBuild = onBuild;
  if (user !== undefined) out.User = user;
  if (workingDir !== undefined) out.WorkingDir = workingDir;
  if (stopSignal !== undefined) out.StopSignal = stopSignal;
  if (ports) out.ExposedPorts = ports;
  if (volumes) out.Volumes = volumes;
  if (labels !== undefined && labels !== null) out.Labels = labels as Record<string, string>;
  return out;
}

export function buildRoutes(router: Router, engine: Engine, backend: BuildBackend | undefined): void {
  router.add('POST', /^\/build$/, async ({ req, res, query }) => {
    if (!backend) throw failedPrecondition('this daemon has no builder');
    // A client that goes away (Ctrl-C) cancels the build, as with Docker.
    const cancel = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) cancel.abort();
    });
    const options = { ...buildOptionsOf(query), registryAuth: registryConfigOf(req.headers['x-registry-config']), signal: cancel.signal };
    const quiet = queryFlag(query, 'q');
    // As moby: the answer starts with the first message, so a build that fails before any
    // output gets a plain HTTP error; with `q` messages wait and are shown only on failure.
    let send: ((message: object) => void) | undefined;
    const emit = (message: object): void => (send ??= startJsonStream(res))(message);
    const held: object[] = [];
    const deliver = (message: object): void => (quiet ? void held.push(message) : emit(message));
    const out: BuildOutput = {
      stream: (text) => deliver({ stream: text }),
      aux: (id) => deliver({ aux: { ID: id } }),
      pull: (reference) => {
        const messages = pullMessages(reference);
        return { progress: (event) => messages.message(event).forEach(deliver), done: () => messages.final().forEach(deliver) };
      },
    };
    let result: BuildResult;
    try {
      result = await backend(req, options, out);
    } catch (err) {
      if (held.length > 0) held.forEach(emit);
      throw err;
    }
    if (quiet) emit({ stream: `${result.imageId}\n` });
    res.end();
  });

  router.add('POST', /^\/build\/prune$/, async ({ res }) => {
    engine.buildCache.clear();
    const { removed, reclaimedBytes } = await engine.images.prune({ buildCache: true });
    const deleted = removed.flatMap((r) => ('deleted' in r ? [r.deleted] : []));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ CachesDeleted: deleted, SpaceReclaimed: reclaimedBytes }));
  });

  router.add('POST', /^\/commit$/, async (ctx) => {
    const { query, res } = ctx;
    const container = query.get('container') ?? '';
    if (container === '') throw invalidArgument('container is required');
    const overrides = commitConfigOf(await readJsonBody(ctx));
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag') ?? '';
    const image = await engine.commit(container, {
      ...(repo === '' ? {} : { reference: tag === '' ? repo : `${repo}:${tag}` }),
      comment: query.get('comment') ?? '',
      author: query.get('author') ?? '',
      changes: query.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim() !== ''),
      overrides,
    });
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ Id: image.id }));
  });
}
