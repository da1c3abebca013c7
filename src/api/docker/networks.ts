import type { Engine, NetworkInfo } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { parseFilters, readJsonBody, sendJson, type Router } from './http.js';
import { networkShape } from './network-shapes.js';

/** `/networks…`: list, inspect, create, connect, disconnect, prune, delete over the engine's networks. */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalString(body: Json, key: string, prefix = ''): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalidArgument(`invalid ${prefix}${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function optionalBool(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidArgument(`invalid ${key}: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(body: Json, key: string): Record<string, string> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument(`invalid ${key}: expected an object of strings`);
  return v as Record<string, string>;
}

function labelMatch(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's list filters: driver, id (prefix), label, name (substring), scope, type (custom|builtin), dangling. */
export function filterNetworks(networks: NetworkInfo[], filters: Map<string, string[]>): NetworkInfo[] {
  const known = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
  for (const key of filters.keys()) if (!known.has(key)) throw invalidArgument(`invalid filter '${key}'`);
  const anyOf = (key: string, test: (v: string) => boolean): boolean => {
    const values = filters.get(key);
    return values === undefined || values.length === 0 || values.some(test);
  };
  return networks.filter(
    (n) =>
      anyOf('driver', (v) => v === n.driver) &&
      anyOf('id', (v) => n.id.startsWith(v)) &&
      anyOf('name', (v) => n.name.includes(v)) &&
      anyOf('scope', (v) => v === 'local') &&
      anyOf('type', (v) => (v === 'builtin' ? n.builtin : v === 'custom' ? !n.builtin : false)) &&
      anyOf('dangling', (v) => (v === 'true' || v === '1') === (!n.builtin && n.endpoints.length === 0)) &&
      (filters.get('label') ?? []).every((l) => labelMatch(n.labels, l)),
  );
}

function endpointConfig(body: Json): { aliases?: string[]; ipv4Address?: string } {
  const config = body['EndpointConfig'];
  if (config === undefined || config === null) return {};
  if (!isObject(config)) throw invalidArgument('invalid EndpointConfig: expected an object');
  const out: { aliases?: string[]; ipv4Address?: string } = {};
  const aliases = config['Aliases'];
  if (aliases !== undefined && aliases !== null) {
    if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string')) throw invalidArgument('invalid EndpointConfig.Aliases: expected an array of strings');
    out.aliases = aliases;
  }
  const ipam = config['IPAMConfig'];
  if (isObject(ipam)) {
    const ip = optionalString(ipam, 'IPv4Address', 'EndpointConfig.IPAMConfig.');
    if (ip !== undefined) out.ipv4Address = ip;
  }
  return out;
}

export function networkRoutes(router: Router, engine: Engine): void {
  const { networks } = engine;
  router.add('GET', /^\/networks\/?$/, async ({ res, query }) => {
    sendJson(res, 200, filterNetworks(await networks.list(), parseFilters(query)).map((n) => networkShape(n, false)));
  });
  router.add('POST', /^\/networks\/create$/, async (ctx) => {
    const body = await readJsonBody(ctx);
    if (!isObject(body)) throw invalidArgument('invalid network create request: the body must be a JSON object');
    const name = optionalString(body, 'Name');
    if (name === undefined) throw invalidArgument('invalid Name: a network name is required');
    const ipam = body['IPAM'];
    let subnet: string | undefined;
    let gateway: string | undefined;
    if (isObject(ipam) && Array.isArray(ipam['Config'])) {
      const configs = ipam['Config'] as unknown[];
      if (configs.length > 1) throw invalidArgument('invalid IPAM.Config: one IPv4 pool per network is supported');
      const first = configs[0];
      if (isObject(first)) {
        subnet = optionalString(first, 'Subnet', 'IPAM.Config[0].');
        gateway = optionalString(first, 'Gateway', 'IPAM.Config[0].');
        if (optionalString(first, 'IPRange', 'IPAM.Config[0].') !== undefined) throw invalidArgument('invalid IPAM.Config[0].IPRange: address ranges are not supported');
      }
    }
    if (optionalBool(body, 'EnableIPv6') === true) throw invalidArgument('invalid EnableIPv6: IPv6 networks are not supported');
    const created = await networks.create({
      name,
      ...(optionalString(body, 'Driver') === undefined ? {} : { driver: optionalString(body, 'Driver') }),
      ...(subnet === undefined ? {} : { subnet }),
      ...(gateway === undefined ? {} : { gateway }),
      internal: optionalBool(body, 'Internal') === true,
      attachable: optionalBool(body, 'Attachable') === true,
      labels: stringMap(body, 'Labels') ?? {},
      options: stringMap(body, 'Options') ?? {},
    });
    sendJson(ctx.res, 201, { Id: created.id, Warning: '' });
  });
  router.add('POST', /^\/networks\/prune$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const until = filters.get('until')?.[0];
    const deleted = await networks.prune({
      labels: filters.get('label') ?? [],
      ...(until === undefined ? {} : { until: parseUntil(until) }),
    });
    sendJson(res, 200, { NetworksDeleted: deleted });
  });
  router.add('GET', /^\/networks\/([^/]+)\/?$/, async ({ res, params }) => {
    sendJson(res, 200, networkShape(await networks.get(params[0] ?? ''), true));
  });
  router.add('DELETE', /^\/networks\/([^/]+)$/, async ({ res, params }) => {
    await networks.remove(params[0] ?? '');
    res.writeHead(204).end();
  });
  router.add('POST', /^\/networks\/([^/]+)\/connect$/, async (ctx) => {
    const body = await readJsonBody(ctx);
    if (!isObject(body)) throw invalidArgument('invalid connect request: the body must be a JSON object');
    const container = optionalString(body, 'Container');
    if (container === undefined) throw invalidArgument('invalid Container: a container is required');
    await networks.connect(ctx.params[0] ?? '', container, endpointConfig(body));
    ctx.res.writeHead(200).end();
  });
  router.add('POST', /^\/networks\/([^/]+)\/disconnect$/, async (ctx) => {
    const body = await readJsonBody(ctx);
    if (!isObject(body)) throw invalidArgument('invalid disconnect request: the body must be a JSON object');
    const container = optionalString(body, 'Container');
    if (container === undefined) throw invalidArgument('invalid Container: a container is required');
    await networks.disconnect(ctx.params[0] ?? '', container, { force: optionalBool(body, 'Force') === true });
    ctx.res.writeHead(200).end();
  });
}

/** `until`: a Unix timestamp, an RFC 3339 time or a duration before now (`24h`), as Docker's prune filters. */
function parseUntil(text: string): Date {
  const duration = /^(\d+)(s|m|h)$/.exec(text);
  if (duration) return new Date(Date.now() - Number(duration[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[duration[2] as 's' | 'm' | 'h']);
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw invalidArgument(`invalid filter 'until=${text}'`);
  return date;
}
