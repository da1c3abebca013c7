import { invalidArgument } from '../lib/index.js';

/** IPv4 addresses as unsigned 32-bit numbers, and subnets as base + prefix length. */
export interface Subnet {
  base: number;
  prefix: number;
}

export function parseIp(text: string, field = 'address'): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw invalidArgument(`invalid ${field}: ${JSON.stringify(text)} is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function isIpv4(text: string): boolean {
  try {
    parseIp(text);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

const size = (prefix: number): number => 2 ** (32 - prefix);

/** `10.1.0.0/16`; host bits must be zero, as Docker requires of `--subnet`. */
export function parseSubnet(text: string, field = 'subnet'): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 32) throw invalidArgument(`invalid ${field}: ${JSON.stringify(text)} is not an IPv4 CIDR (a.b.c.d/len)`);
  const prefix = Number(m[2]);
  const ip = parseIp(m[1] ?? '', field);
  const base = ip - (ip % size(prefix));
  if (base !== ip) throw invalidArgument(`invalid ${field}: ${text} has host bits set (did you mean ${formatIp(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.base && ip < s.base + size(s.prefix);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix);
}

/** The usable host addresses: neither the network address nor the broadcast one (for /31, /32: all). */
export function hostRange(s: Subnet): { first: number; last: number } {
  if (s.prefix >= 31) return { first: s.base, last: s.base + size(s.prefix) - 1 };
  return { first: s.base + 1, last: s.base + size(s.prefix) - 2 };
}

/** Every `prefix`-sized subnet of `pool`, in order. */
export function* split(pool: Subnet, prefix: number): Generator<Subnet> {
  if (prefix < pool.prefix) return;
  for (let base = pool.base; base < pool.base + size(pool.prefix); base += size(prefix)) yield { base, prefix };
}
