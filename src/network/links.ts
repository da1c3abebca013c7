import { readFile, readdir, writeFile } from 'node:fs/promises';
import { conflict } from '../lib/index.js';
import { runTool, ToolError } from './exec.js';

/**
 * Kernel plumbing through iproute2: bridges, veth pairs into a container's network
 * namespace (reached by the pid of a process in it), and the claim routes. Every link
 * berth makes carries the alias `berth:<instance>:<owner>` so that a later daemon can
 * tell its own leftovers from anything else on the host.
 */

export const ROUTE_METRIC = 4242;

export const linkAlias = (instance: string, owner: string): string => `berth:${instance}:${owner}`;

const ip = (commands: string[]): Promise<string> => runTool('ip', ['-batch', '-'], commands.join('\n') + '\n');

export interface BridgeSetup {
  name: string;
  alias: string;
  mac: string;
  gateway: string;
  prefix: number;
}

/**
 * Creates (or completes, after a crash) the bridge with the gateway address and brings it
 * up. An interface of that name that berth did not make (another alias) is never touched.
 */
export async function ensureBridge(b: BridgeSetup): Promise<void> {
  const existing = await currentAlias(b.name);
  if (existing !== undefined && existing !== b.alias) {
    throw conflict(`interface ${b.name} already exists on this host and is not this berth network's bridge: choose another bridge name`);
  }
  const commands: string[] = [];
  // A fixed MAC: a bridge left to itself takes the lowest of its ports' addresses, and a
  // container joining with a lower one would leave every other container's ARP entry for
  // the gateway (and its DNS server) stale.
  if (existing === undefined) commands.push(`link add ${b.name} address ${b.mac} type bridge`);
  commands.push(`link set ${b.name} alias ${b.alias}`);
  await ip(commands);
  await ip([`addr replace ${b.gateway}/${b.prefix} dev ${b.name}`, `link set ${b.name} up`]);
  // 127.0.0.1 → container DNAT leaves through the bridge with a loopback source; packets
  // that arrive on the bridge may be forwarded. Both are per-interface settings of ours.
  await writeFile(`/proc/sys/net/ipv4/conf/${b.name}/route_localnet`, '1');
  await writeFile(`/proc/sys/net/ipv4/conf/${b.name}/forwarding`, '1');
}

/** Deletes a link of the host's namespace; one that is gone already (a veth whose peer's namespace died) is fine. */
export async function deleteLink(name: string): Promise<void> {
  if ((await currentAlias(name)) === undefined) return;
  try {
    await ip([`link del ${name}`]);
  } catch (err) {
    if (!(err instanceof ToolError && /Cannot find device|does not exist/.test(err.stderr))) throw err;
  }
}

/** The alias of a link of the host's namespace ('' when it has none), or undefined when there is no such link (read from sysfs: no process to spawn). */
async function currentAlias(name: string): Promise<string | undefined> {
  if (name.includes('/') || name.startsWith('.')) return undefined;
  try {
    return (await readFile(`/sys/class/net/${name}/ifalias`, 'utf8')).replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

/** Links whose alias starts with `prefix`: name → alias. */
export async function linksWithAlias(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir('/sys/class/net')) {
    const alias = await currentAlias(name);
    if (alias?.startsWith(prefix) === true) out.set(name, alias);
  }
  return out;
}

/**
 * The claim on a subnet: an `unreachable` route of low priority. Adding it fails when
 * another berth daemon claimed the same subnet first; and while the bridge is absent it
 * keeps traffic to the subnet from leaving through the default route.
 */
export async function claimSubnet(subnet: string): Promise<'claimed' | 'taken'> {
  try {
    await runTool('ip', ['route', 'add', 'unreachable', subnet, 'metric', String(ROUTE_METRIC)]);
    return 'claimed';
  } catch (err) {
    if (err instanceof ToolError && /File exists/.test(err.stderr)) return 'taken';
    throw err;
  }
}

export async function releaseSubnet(subnet: string): Promise<void> {
  try {
    await runTool('ip', ['route', 'del', 'unreachable', subnet, 'metric', String(ROUTE_METRIC)]);
  } catch (err) {
    if (!(err instanceof ToolError && /No such process|not found/i.test(err.stderr))) throw err;
  }
}

/** IPv4 destinations routed on the host (every table), for choosing free subnets. */
export async function routedPrefixes(): Promise<string[]> {
  const out = await runTool('ip', ['-4', '-j', 'route', 'show', 'table', 'all']);
  const routes = JSON.parse(out) as Array<{ dst: string; type?: string }>;
  return routes
    .filter((r) => r.dst !== 'default' && r.type !== 'local' && r.type !== 'broadcast')
    .map((r) => (r.dst.includes('/') ? r.dst : `${r.dst}/32`));
}

export interface VethSetup {
  hostName: string;
  alias: string;
  bridge: string;
  /** Name inside the container (eth0, eth1…). */
  ifName: string;
  mac: string;
  address: string;
  prefix: number;
  /** Set as the default route inside when present. */
  gateway?: string;
  hairpin: boolean;
}

/** Creates veth pairs with one end in the namespace of `pid` and configures both ends. */
export async function plumbVeths(pid: number, veths: readonly VethSetup[]): Promise<void> {
  if (veths.length === 0) return;
  const host: string[] = [];
  const inside: string[] = [];
  for (const v of veths) {
    host.push(
      `link add ${v.hostName} type veth peer name ${v.ifName} address ${v.mac} netns ${pid}`,
      `link set ${v.hostName} alias ${v.alias}`,
      `link set ${v.hostName} master ${v.bridge}`,
      `link set ${v.hostName} up`,
    );
    if (v.hairpin) host.push(`link set ${v.hostName} type bridge_slave hairpin on`);
    inside.push(`addr add ${v.address}/${v.prefix} dev ${v.ifName}`, `link set ${v.ifName} up`);
    if (v.gateway !== undefined) inside.push(`route replace default via ${v.gateway} dev ${v.ifName}`);
  }
  try {
    await ip(host);
    await runTool('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], ['link set lo up', ...inside].join('\n') + '\n');
  } catch (err) {
    for (const v of veths) await deleteLink(v.hostName).catch(() => undefined);
    throw err;
  }
}
