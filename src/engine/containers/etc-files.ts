import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import type { BindMountInput } from '../../runtime/index.js';

/** The generated files every container gets, bind-mounted over the image's. */
export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function etcFilePaths(containerDir: string): EtcFiles {
  return {
    hosts: path.join(containerDir, 'hosts'),
    hostname: path.join(containerDir, 'hostname'),
    resolvConf: path.join(containerDir, 'resolv.conf'),
  };
}

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Docker's fallback when the host has no nameserver a container could reach. */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/**
 * resolv.conf for a container: the host's, less loopback nameservers when the container
 * has its own network namespace (127.0.0.53 means nothing there); Docker's public
 * fallback when none remain.
 */
export function containerResolvConf(host: string, hostNetwork: boolean): string {
  if (hostNetwork) return host;
  const lines = host.split('\n');
  const kept = lines.filter((line) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    return m === null || !isLoopback(m[1] ?? '');
  });
  if (!kept.some((l) => /^\s*nameserver\s/.test(l))) {
    while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
    kept.push(...FALLBACK_NAMESERVERS.map((ns) => `nameserver ${ns}`), '');
  }
  return kept.join('\n');
}

const isLoopback = (address: string): boolean => address.startsWith('127.') || address === '::1';

/** Docker's resolv.conf options: --dns, --dns-search, --dns-option replace the host's. */
export interface ResolvOptions {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** The network's embedded DNS server: the only nameserver, with `ndots:0` as Docker's. */
  embeddedNameserver?: string;
}

/** Lines of one kind (`search`, `options`) from a resolv.conf, values only. */
function directive(text: string, name: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^\\s*${name}\\s+(.*)$`).exec(line);
    if (m?.[1] !== undefined) out.push(...m[1].trim().split(/\s+/));
  }
  return out;
}

/**
 * The container's resolv.conf by Docker's rules: the host's (loopback nameservers
 * dropped in a private namespace) unless --dns/--dns-search/--dns-option replace parts
 * of it; on a network with embedded DNS, that server is the nameserver.
 */
export function buildResolvConf(host: string, hostNetwork: boolean, o: ResolvOptions = {}): string {
  const custom = (o.dns?.length ?? 0) + (o.dnsSearch?.length ?? 0) + (o.dnsOptions?.length ?? 0) > 0;
  if (o.embeddedNameserver === undefined && !custom) return containerResolvConf(host, hostNetwork);
  const base = o.embeddedNameserver === undefined ? containerResolvConf(host, hostNetwork) : host;
  const nameservers = o.embeddedNameserver !== undefined
    ? [o.embeddedNameserver]
    : o.dns?.length
      ? o.dns
      : directive(base, 'nameserver');
  const search = o.dnsSearch?.length ? o.dnsSearch : directive(base, 'search');
  const options = o.dnsOptions?.length ? o.dnsOptions : directive(base, 'options');
  if (o.embeddedNameserver !== undefined && !options.some((x) => x.startsWith('ndots:'))) options.unshift('ndots:0');
  const lines = nameservers.map((ns) => `nameserver ${ns}`);
  if (search.length > 0 && !(search.length === 1 && search[0] === '.')) lines.push(`search ${search.join(' ')}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** `--add-host name:ip` (or `name=ip`) entries as hosts lines; `host-gateway` is the given address. */
export function extraHostLines(extraHosts: readonly string[], hostGateway: string | undefined): string[] {
  return extraHosts.map((entry) => {
    const sep = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
    const name = entry.slice(0, sep);
    let ip = entry.slice(sep + 1);
    if (sep <= 0 || ip === '') throw invalidArgument(`invalid --add-host ${JSON.stringify(entry)}: expected name:ip`);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip === 'host-gateway') {
      if (hostGateway === undefined) throw invalidArgument(`--add-host ${entry}: no host gateway on this network`);
      ip = hostGateway;
    }
    if (!isIP(ip)) throw invalidArgument(`invalid --add-host ${JSON.stringify(entry)}: invalid IP address ${JSON.stringify(ip)}`);
    return `${ip}\t${name}`;
  });
}

/** /etc/hosts: the host's (host network) or localhost entries, the extra hosts, then the container's own addresses. */
export function buildHosts(base: string, extra: readonly string[], own: ReadonlyArray<{ ip: string; names: string[] }>): string {
  const lines = base.replace(/\n+$/, '').split('\n');
  lines.push(...extra, ...own.map((o) => `${o.ip}\t${o.names.join(' ')}`));
  return lines.join('\n') + '\n';
}

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

export interface EtcOptions {
  hostname: string;
  hostNetwork: boolean;
  hostFiles?: { hosts?: string; resolvConf?: string };
  resolv?: ResolvOptions;
  extraHosts?: string[];
  /** The address `host-gateway` stands for. */
  hostGateway?: string;
  /** The container's own addresses, each with its hostname (and aliases). */
  own?: Array<{ ip: string; names: string[] }>;
}

/** Writes hosts, hostname and resolv.conf into the container directory (again at each start). */
export async function writeEtcFiles(containerDir: string, options: EtcOptions): Promise<EtcFiles> {
  const files = etcFilePaths(containerDir);
  const hostHosts = options.hostFiles?.hosts ?? '/etc/hosts';
  const hostResolv = options.hostFiles?.resolvConf ?? '/etc/resolv.conf';
  const local = LOCAL_HOSTS.join('\n') + '\n';
  const base = options.hostNetwork ? await readOr(hostHosts, local) : local;
  const extra = extraHostLines(options.extraHosts ?? [], options.hostGateway);
  // Written in place: a running container sees the change through its bind mount.
  await writeFile(files.hosts, buildHosts(base, extra, options.own ?? []), { mode: 0o644 });
  await writeFile(files.hostname, options.hostname + '\n', { mode: 0o644 });
  await writeFile(files.resolvConf, buildResolvConf(await readOr(hostResolv, ''), options.hostNetwork, options.resolv), { mode: 0o644 });
  return files;
}
/** The bind mounts placing the generated files at /etc/hosts, /etc/hostname, /etc/resolv.conf. */
export function etcFileMounts(files: EtcFiles): BindMountInput[] {
  return [
    { type: 'bind', source: files.resolvConf, destination: '/etc/resolv.conf', recursive: false },
    { type: 'bind', source: files.hostname, destination: '/etc/hostname', recursive: false },
    { type: 'bind', source: files.hosts, destination: '/etc/hosts', recursive: false },
  ];
}
