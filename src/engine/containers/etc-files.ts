import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Writes hosts, hostname and resolv.conf into the container directory (again at each start). */
export async function writeEtcFiles(containerDir: string, options: { hostname: string; hostNetwork: boolean; hostFiles?: { hosts?: string; resolvConf?: string } }): Promise<EtcFiles> {
  const files = etcFilePaths(containerDir);
  const hostHosts = options.hostFiles?.hosts ?? '/etc/hosts';
  const hostResolv = options.hostFiles?.resolvConf ?? '/etc/resolv.conf';
  const hosts = options.hostNetwork ? await readOr(hostHosts, LOCAL_HOSTS.join('\n') + '\n') : LOCAL_HOSTS.join('\n') + '\n';
  await writeFile(files.hosts, hosts, { mode: 0o644 });
  await writeFile(files.hostname, options.hostname + '\n', { mode: 0o644 });
  await writeFile(files.resolvConf, containerResolvConf(await readOr(hostResolv, ''), options.hostNetwork), { mode: 0o644 });
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
