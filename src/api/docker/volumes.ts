import type { VolumeFilters, VolumeRecord, VolumeService } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { parseFilters, queryFlag, readJsonBody, sendJson, type Router } from './http.js';
import { API_VERSION, compareApiVersions } from './version.js';

/** The API version a request was made with (its `/vX.Y/` prefix; none means the newest). */
const requestVersion = (url: string | undefined): string => /^\/v(\d+\.\d+)\//.exec(url ?? '')?.[1] ?? API_VERSION;

/** A Go `time.Time` in RFC 3339 with whole seconds, as Docker writes a volume's CreatedAt. */
const rfc3339 = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function volumeShape(v: VolumeRecord): object {
  return {
    CreatedAt: rfc3339(v.created),
    Driver: v.driver,
    Labels: v.labels,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: v.options,
    Scope: v.scope,
  };
}

function checkFilterKeys(filters: Map<string, string[]>, accepted: readonly string[]): void {
  for (const key of filters.keys()) if (!accepted.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
}

function parseBool(key: string, values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1) throw invalidArgument(`invalid filter '${key}=${values.join(',')}': only one value is expected`);
  const value = (values[0] ?? '').toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw invalidArgument(`invalid filter '${key}=${values[0] ?? ''}'`);
}

/** Docker's `label` values are `key` or `key=value`. */
function listFilters(filters: Map<string, string[]>): VolumeFilters {
  checkFilterKeys(filters, ['dangling', 'name', 'driver', 'label']);
  const out: VolumeFilters = {};
  const dangling = parseBool('dangling', filters.get('dangling') ?? []);
  if (dangling !== undefined) out.dangling = dangling;
  if (filters.has('name')) out.names = filters.get('name') ?? [];
  if (filters.has('driver')) out.drivers = filters.get('driver') ?? [];
  if (filters.has('label')) out.labels = filters.get('label') ?? [];
  return out;
}

/** The Docker Engine API's `/volumes` endpoints over the engine's volume service. */
export function volumeRoutes(router: Router, volumes: VolumeService): void {
  router.add('GET', /^\/volumes$/, async ({ res, query }) => {
    const list = await volumes.list(listFilters(parseFilters(query)));
    sendJson(res, 200, { Volumes: list.map(volumeShape), Warnings: [] });
  });

  router.add('POST', /^\/volumes\/create$/, async (ctx) => {
    const body = await readJsonBody(ctx);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument('invalid volume create request: the body must be a JSON object');
    const b = body as Record<string, unknown>;
    const stringField = (key: string): string | undefined => {
      const value = b[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string') throw invalidArgument(`invalid ${key}: expected a string, got ${JSON.stringify(value)}`);
      return value;
    };
    const mapField = (key: string): Record<string, string> | undefined => {
      const value = b[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw invalidArgument(`invalid ${key}: expected an object of strings, got ${JSON.stringify(value)}`);
      }
      return value as Record<string, string>;
    };
    const name = stringField('Name');
    const driver = stringField('Driver');
    const options = mapField('DriverOpts');
    const labels = mapField('Labels');
    const created = await volumes.create({
      ...(name === undefined ? {} : { name }),
      ...(driver === undefined ? {} : { driver }),
      ...(options === undefined ? {} : { options }),
      ...(labels === undefined ? {} : { labels }),
    });
    sendJson(ctx.res, 201, volumeShape(created));
  });

  router.add('POST', /^\/volumes\/prune$/, async ({ req, res, query }) => {
    const filters = parseFilters(query);
    checkFilterKeys(filters, ['label', 'label!', 'all']);
    // Before API 1.42, prune took every unused volume, named ones too.
    const all = compareApiVersions(requestVersion(req.url), '1.42') < 0 || parseBool('all', filters.get('all') ?? []);
    const result = await volumes.prune({
      all: all === true,
      ...(filters.has('label') ? { labels: filters.get('label') ?? [] } : {}),
      ...(filters.has('label!') ? { notLabels: filters.get('label!') ?? [] } : {}),
    });
    sendJson(res, 200, { VolumesDeleted: result.deleted, SpaceReclaimed: result.spaceReclaimed });
  });

  router.add('GET', /^\/volumes\/([^/]+)$/, async ({ res, params }) => {
    sendJson(res, 200, volumeShape(await volumes.get(params[0] ?? '')));
  });

  router.add('DELETE', /^\/volumes\/([^/]+)$/, async ({ res, params, query }) => {
    await volumes.remove(params[0] ?? '', { force: queryFlag(query, 'force') });
    res.writeHead(204);
    res.end();
  });
}
