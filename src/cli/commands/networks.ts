import { invalidArgument, renderTable } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';

interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
}

const networkPath = (name: string, rest = ''): string => `/networks/${encodeURIComponent(name)}${rest}`;

function filtersOf(values: string[] | undefined): string | undefined {
  const filters: Record<string, string[]> = {};
  for (const f of values ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad filter ${JSON.stringify(f)}: use key=value`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return Object.keys(filters).length ? JSON.stringify(filters) : undefined;
}

function keyValues(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq === 0) throw invalidArgument(`invalid ${flag} ${JSON.stringify(v)}: empty name`);
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** `berth network create [--subnet CIDR] [--gateway IP] [--internal] [--label k=v] [-o k=v] NAME`. */
async function createNetwork(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('network create', ctx.args, {
    driver: { type: 'string', short: 'd' },
    subnet: { type: 'string' },
    gateway: { type: 'string' },
    internal: { type: 'boolean' },
    attachable: { type: 'boolean' },
    label: { type: 'string', multiple: true },
    opt: { type: 'string', short: 'o', multiple: true },
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length) throw invalidArgument('network create: usage: berth network create [OPTIONS] NETWORK');
  if (values.gateway !== undefined && values.subnet === undefined) throw invalidArgument('network create: --gateway needs --subnet');
  const client = await ctx.client();
  const created = await client.json<{ Id: string }>('POST', '/networks/create', {
    body: {
      Name: name,
      Driver: values.driver ?? 'bridge',
      Internal: values.internal === true,
      Attachable: values.attachable === true,
      Labels: keyValues(values.label, '--label'),
      Options: keyValues(values.opt, '--opt'),
      IPAM: { Driver: 'default', Config: values.subnet === undefined ? [] : [{ Subnet: values.subnet, ...(values.gateway === undefined ? {} : { Gateway: values.gateway }) }] },
    },
  });
  ctx.out(created.Id + '\n');
}

async function listNetworks(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('network ls', ctx.args, {
    quiet: { type: 'boolean', short: 'q' },
    filter: { type: 'string', short: 'f', multiple: true },
    format: { type: 'string' },
    'no-trunc': { type: 'boolean' },
  });
  const client = await ctx.client();
  const networks = await client.json<NetworkSummary[]>('GET', '/networks', { query: { filters: filtersOf(values.filter) } });
  if (values.format === 'json') return ctx.out(JSON.stringify(networks, null, 2) + '\n');
  if (values.format !== undefined) throw invalidArgument(`unsupported --format ${JSON.stringify(values.format)}: use json`);
  const id = (n: NetworkSummary): string => (values['no-trunc'] ? n.Id : n.Id.slice(0, 12));
  if (values.quiet) return ctx.out(networks.map((n) => id(n) + '\n').join(''));
  ctx.out(renderTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], networks.map((n) => [id(n), n.Name, n.Driver, n.Scope])));
}

async function inspectNetworks(ctx: CommandContext): Promise<number> {
  const { positionals } = parseVerbArgs('network inspect', ctx.args, { format: { type: 'string', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('network inspect: at least one network is needed');
  const client = await ctx.client();
  const found: unknown[] = [];
  let failed = 0;
  for (const name of positionals) {
    try {
      found.push(await client.json('GET', networkPath(name)));
    } catch (err) {
      failed++;
      ctx.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  ctx.out(JSON.stringify(found, null, 4) + '\n');
  return failed ? 1 : 0;
}

async function removeNetworks(ctx: CommandContext): Promise<number> {
  const { positionals } = parseVerbArgs('network rm', ctx.args, { force: { type: 'boolean', short: 'f' } });
  if (positionals.length === 0) throw invalidArgument('network rm: at least one network is needed');
  const client = await ctx.client();
  let failed = 0;
  for (const name of positionals) {
    try {
      await client.request('DELETE', networkPath(name)).then((res) => res.resume());
      ctx.out(name + '\n');
    } catch (err) {
      failed++;
      ctx.err(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function pruneNetworks(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('network prune', ctx.args, { force: { type: 'boolean', short: 'f' }, filter: { type: 'string', multiple: true } });
  const client = await ctx.client();
  const result = await client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersOf(values.filter) } });
  const deleted = result.NetworksDeleted ?? [];
  if (deleted.length) ctx.out(`Deleted Networks:\n${deleted.map((n) => n + '\n').join('')}`);
}

async function connectNetwork(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('network connect', ctx.args, { alias: { type: 'string', multiple: true }, ip: { type: 'string' } });
  const [network, container, ...extra] = positionals;
  if (!network || !container || extra.length) throw invalidArgument('network connect: usage: berth network connect [--alias A] [--ip IP] NETWORK CONTAINER');
  const client = await ctx.client();
  const endpoint = { ...(values.alias?.length ? { Aliases: values.alias } : {}), ...(values.ip === undefined ? {} : { IPAMConfig: { IPv4Address: values.ip } }) };
  await client.request('POST', networkPath(network, '/connect'), { body: { Container: container, EndpointConfig: endpoint } }).then((res) => res.resume());
}

async function disconnectNetwork(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('network disconnect', ctx.args, { force: { type: 'boolean', short: 'f' } });
  const [network, container, ...extra] = positionals;
  if (!network || !container || extra.length) throw invalidArgument('network disconnect: usage: berth network disconnect [-f] NETWORK CONTAINER');
  const client = await ctx.client();
  await client.request('POST', networkPath(network, '/disconnect'), { body: { Container: container, Force: values.force === true } }).then((res) => res.resume());
}

/** `berth network SUBCOMMAND …`, as `docker network …`. */
export async function networkCommand(ctx: CommandContext): Promise<number | void> {
  const [sub, ...args] = ctx.args;
  const subContext = { ...ctx, args };
  switch (sub) {
    case 'create':
      return createNetwork(subContext);
    case 'ls':
    case 'list':
      return listNetworks(subContext);
    case 'inspect':
      return inspectNetworks(subContext);
    case 'rm':
    case 'remove':
      return removeNetworks(subContext);
    case 'prune':
      return pruneNetworks(subContext);
    case 'connect':
      return connectNetwork(subContext);
    case 'disconnect':
      return disconnectNetwork(subContext);
    default:
      throw invalidArgument(`unknown network command ${JSON.stringify(sub ?? '')}: use create, ls, inspect, rm, prune, connect or disconnect`);
  }
}

/** `berth port CONTAINER [PORT[/PROTO]]`: the published ports, as `docker port` prints them. */
export async function containerPorts(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('port', ctx.args, {});
  const [container, wanted, ...extra] = positionals;
  if (!container || extra.length) throw invalidArgument('port: usage: berth port CONTAINER [PRIVATE_PORT[/PROTO]]');
  const client = await ctx.client();
  const info = await client.json<{ NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> } }>(
    'GET',
    `/containers/${encodeURIComponent(container)}/json`,
  );
  const ports = info.NetworkSettings.Ports ?? {};
  if (wanted !== undefined) {
    const key = wanted.includes('/') ? wanted : `${wanted}/tcp`;
    const bindings = ports[key];
    if (!bindings?.length) throw invalidArgument(`No public port '${key}' published for ${container}`);
    return ctx.out(bindings.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
  }
  const lines: string[] = [];
  for (const [key, bindings] of Object.entries(ports)) for (const b of bindings ?? []) lines.push(`${key} -> ${b.HostIp}:${b.HostPort}\n`);
  ctx.out(lines.join(''));
}
