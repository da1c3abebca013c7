import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Engine, ImageRecord, RemovedImage } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { familiarName, parseReference } from '../../oci/index.js';
import type { Router } from './http.js';
import { pullMessages, pullOptions, pullReference, pushMessages, registryAuthOf } from './image-transfer.js';
import { parseFilters, queryFlag, sendJson, startJsonStream } from './http.js';

const unsetTime = '0001-01-01T00:00:00Z';

/** `docker.io/library/busybox:latest` → `busybox:latest`, as Docker's API shows names. */
const familiarReference = (name: string): string => familiarName(parseReference(name));

function createdSeconds(image: ImageRecord): number {
  const created = image.config.created ? Date.parse(image.config.created) : NaN;
  return Number.isNaN(created) ? 0 : Math.floor(created / 1000);
}

export function imageSummary(image: ImageRecord): object {
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: image.names.map(familiarReference),
    RepoDigests: image.digests.map(familiarReference),
    Created: createdSeconds(image),
    Size: image.size,
    SharedSize: -1,
    Labels: image.config.config?.Labels ?? {},
    Containers: -1,
  };
}

/** The container-config part of an image inspect, with Docker's always-present keys. */
function containerConfig(image: ImageRecord): object {
  const c = image.config.config ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: c.ExposedPorts ?? null,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

export function imageInspect(image: ImageRecord): object {
  const history = image.config.history ?? [];
  return {
    Id: image.id,
    RepoTags: image.names.map(familiarReference),
    RepoDigests: image.digests.map(familiarReference),
    Parent: '',
    Comment: history.at(-1)?.comment ?? '',
    Created: image.config.created ?? unsetTime,
    DockerVersion: '',
    Author: image.config.author ?? '',
    Config: containerConfig(image),
    Architecture: image.config.architecture,
    ...(image.config.variant ? { Variant: image.config.variant } : {}),
    Os: image.config.os,
    Size: image.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: image.config.rootfs.diff_ids },
    Metadata: { LastTagTime: image.recordedAt.toISOString() },
  };
}

function removedShape(removed: RemovedImage[]): object[] {
  return removed.map((r) => ('untagged' in r ? { Untagged: familiarReference(r.untagged) } : { Deleted: r.deleted }));
}

export function imageRoutes(router: Router, engine: Engine): void {
  const { images } = engine;

  router.add('GET', /^\/images\/json$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const dangling = filters.get('dangling')?.[0];
    let list = await images.list({
      ...(dangling === undefined ? {} : { dangling: dangling === 'true' || dangling === '1' }),
      ...(queryFlag(query, 'all') ? { all: true } : {}),
    });
    const references = filters.get('reference');
    if (references?.length) {
      list = list.filter((image) =>
        image.names.some((name) => references.some((pattern) => referenceMatches(pattern, name))),
      );
    }
    sendJson(res, 200, list.map(imageSummary));
  });

  router.add('POST', /^\/images\/load$/, async ({ req, res, query }) => {
    const quiet = queryFlag(query, 'quiet');
    const send = startJsonStream(res);
    const result = await engine.images.load(req, quiet ? undefined : (message) => send({ stream: `${message}\n` }));
    for (const name of result.names) send({ stream: `Loaded image: ${familiarReference(name)}\n` });
    for (const id of result.ids) send({ stream: `Loaded image ID: ${id}\n` });
    res.end();
  });

  router.add('POST', /^\/images\/create$/, async ({ req, res, query }) => {
    const fromImage = query.get('fromImage');
    if (fromImage) {
      const reference = pullReference(fromImage, query.get('tag'));
      const auth = registryAuthOf(req.headers['x-registry-auth']);
      req.resume();
      const messages = pullMessages(reference);
      let send: ((message: object) => void) | undefined;
      const emit = (message: object): void => (send ??= startJsonStream(res))(message);
      await images.pull(reference, pullOptions(query.get('platform'), auth), (event) => messages.message(event).forEach(emit));
      messages.final().forEach(emit);
      res.end();
      return;
    }
    const source = query.get('fromSrc');
    if (source === null) throw invalidArgument('fromImage or fromSrc is required');
    if (source !== '-') throw invalidArgument('fromSrc must be "-" (the request body); URLs are not fetched');
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag') ?? '';
    const reference = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
    const send = startJsonStream(res);
    const image = await images.importRootfs(req, {
      ...(reference ? { reference } : {}),
      ...(query.get('message') ? { message: query.get('message') ?? '' } : {}),
      changes: query.getAll('changes'),
    });
    send({ status: image.id });
    res.end();
  });

  router.add('POST', /^\/images\/(.+)\/push$/, async ({ req, res, params, query }) => {
    const tag = query.get('tag');
    const reference = pullReference(params[0] ?? '', tag);
    const auth = registryAuthOf(req.headers['x-registry-auth']);
    req.resume();
    const messages = pushMessages(reference);
    let send: ((message: object) => void) | undefined;
    const emit = (message: object): void => (send ??= startJsonStream(res))(message);
    await images.push(reference, auth ? { auth } : {}, (event) => messages.message(event).forEach(emit));
    res.end();
  });

  router.add('POST', /^\/images\/prune$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const all = filters.get('dangling')?.[0] === 'false';
    const result = await images.prune({ all });
    sendJson(res, 200, { ImagesDeleted: removedShape(result.removed), SpaceReclaimed: result.reclaimedBytes });
  });

  router.add('GET', /^\/images\/get$/, ({ res, query }) => sendArchive(res, query, query.getAll('names'), engine));
  router.add('GET', /^\/images\/(.+)\/get$/, ({ res, query, params }) => sendArchive(res, query, [params[0] ?? ''], engine));

  router.add('GET', /^\/images\/(.+)\/json$/, async ({ res, params }) => {
    sendJson(res, 200, imageInspect(await images.get(params[0] ?? '')));
  });

  router.add('GET', /^\/images\/(.+)\/history$/, async ({ res, params }) => {
    const image = await images.get(params[0] ?? '');
    // Each step that is not an empty_layer one made the next layer, bottom up.
    let layer = 0;
    const sized = (image.config.history ?? []).map((h) => ({ h, size: h.empty_layer === true ? 0 : (image.layerSizes[layer++] ?? 0) }));
    sendJson(
      res,
      200,
      sized.reverse().map(({ h, size }, i) => ({
        Id: i === 0 ? image.id : '<missing>',
        Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
        CreatedBy: h.created_by ?? '',
        Tags: i === 0 ? image.names.map(familiarReference) : null,
        Size: size,
        Comment: h.comment ?? '',
      })),
    );
  });

  router.add('POST', /^\/images\/(.+)\/tag$/, async ({ res, params, query }) => {
    const repo = query.get('repo');
    if (!repo) throw invalidArgument('repository name (repo) is required');
    const tag = query.get('tag');
    await images.tag(params[0] ?? '', tag ? `${repo}:${tag}` : repo);
    res.writeHead(201).end();
  });

  // berth's own: `berth image mount/unmount` (podman has the same verbs; Docker has none).
  router.add('POST', /^\/images\/(.+)\/mount$/, async ({ res, params }) => {
    sendJson(res, 200, { Path: await images.mount(params[0] ?? '') });
  });
  router.add('POST', /^\/images\/(.+)\/unmount$/, async ({ res, params }) => {
    await images.unmount(params[0] ?? '');
    res.writeHead(204).end();
  });

  router.add('DELETE', /^\/images\/(.+)$/, async ({ res, params, query }) => {
    const removed = await images.remove(params[0] ?? '', { force: queryFlag(query, 'force') });
    sendJson(res, 200, removedShape(removed));
  });
}

/** `format=oci` is berth's own addition; Docker clients never send it and get docker-archive. */
async function sendArchive(res: ServerResponse, query: URLSearchParams, names: string[], engine: Engine): Promise<void> {
  if (names.length === 0) throw invalidArgument('no image names given');
  const archive = await engine.images.save(names, query.get('format') === 'oci' ? 'oci' : 'docker');
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await pipeline(archive, res);
}

/** Docker's `reference` filter: a familiar or full name, `*` matching within one path part. */
function referenceMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    '^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '(:[^/]+)?$',
  );
  return regex.test(familiarReference(name)) || regex.test(name);
}
