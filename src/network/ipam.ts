import { conflict, invalidArgument, unavailable } from '../lib/index.js';
import { contains, formatIp, formatSubnet, hostRange, overlaps, parseIp, parseSubnet, split, type Subnet } from './cidr.js';

/** Docker's default address pools: 172.17–31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: ReadonlyArray<{ base: string; size: number }> = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/**
 * The first pool subnet that overlaps none of `taken` (the host's routes and the
 * subnets of networks berth already has).
 */
export function chooseSubnet(taken: readonly Subnet[], pools = DEFAULT_POOLS): Subnet {
  for (const pool of pools) {
    for (const candidate of split(parseSubnet(pool.base), pool.size)) {
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

export interface AddressPlan {
  subnet: string;
  gateway: string;
}

/** A network's subnet and gateway from what the user gave (either may be absent). */
export function planAddresses(request: { subnet?: string; gateway?: string }, choose: () => Subnet): AddressPlan {
  const subnet = request.subnet === undefined ? choose() : parseSubnet(request.subnet, '--subnet');
  const range = hostRange(subnet);
  if (range.last - range.first < 1) throw invalidArgument(`invalid --subnet ${formatSubnet(subnet)}: too small for a gateway and a container`);
  let gateway = range.first;
  if (request.gateway !== undefined) {
    gateway = parseIp(request.gateway, '--gateway');
    if (!contains(subnet, gateway) || gateway < range.first || gateway > range.last) {
      throw invalidArgument(`invalid --gateway ${request.gateway}: not a host address of subnet ${formatSubnet(subnet)}`);
    }
  }
  return { subnet: formatSubnet(subnet), gateway: formatIp(gateway) };
}

/** The lowest free host address of the subnet, skipping the gateway and those in use. */
export function nextAddress(plan: AddressPlan, inUse: ReadonlySet<string>): string {
  const subnet = parseSubnet(plan.subnet);
  const range = hostRange(subnet);
  for (let ip = range.first; ip <= range.last; ip++) {
    const text = formatIp(ip);
    if (text !== plan.gateway && !inUse.has(text)) return text;
  }
  throw unavailable(`no available IPv4 addresses on subnet ${plan.subnet}`);
}

/** Checks an address the user asked for (`--ip`). */
export function checkRequestedAddress(plan: AddressPlan, ip: string, inUse: ReadonlySet<string>): string {
  const subnet = parseSubnet(plan.subnet);
  const n = parseIp(ip, '--ip');
  const range = hostRange(subnet);
  if (!contains(subnet, n) || n < range.first || n > range.last) throw invalidArgument(`invalid --ip ${ip}: not a host address of subnet ${plan.subnet}`);
  if (ip === plan.gateway || inUse.has(ip)) throw conflict(`Address already in use: ${ip}`);
  return ip;
}

export function prefixLength(subnet: string): number {
  return parseSubnet(subnet).prefix;
}

/** Docker's MAC for an address: 02:42 followed by the four bytes of the IPv4 address. */
export function macFor(ip: string): string {
  const n = parseIp(ip);
  const bytes = [24, 16, 8, 0].map((s) => (Math.floor(n / 2 ** s) % 256).toString(16).padStart(2, '0'));
  return ['02', '42', ...bytes].join(':');
}
