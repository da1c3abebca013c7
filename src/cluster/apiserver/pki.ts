import { execFile } from 'node:child_process';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isErrno, unavailable } from '../../lib/index.js';

const execFileAsync = promisify(execFile);

/**
 * The cluster's certificates: a CA made at first start under `<root>/pki`, a serving
 * certificate for the API server signed by it, and client certificates (CN = user,
 * O = groups) as `berth kubeconfig --user` hands them out. Keys are ECDSA P-256, written
 * 0600; everything is reused on later starts. The openssl command does the X.509 work: it
 * is on every host already, where the JavaScript X.509 libraries need a global Reflect
 * polyfill and a dependency-injection container.
 */

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface ClusterPki {
  dir: string;
  ca: KeyPairPem;
  server: KeyPairPem;
}

const tenYearsDays = 3650;
const oneYearDays = 365;
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function readPair(dir: string, name: string): Promise<KeyPairPem | undefined> {
  try {
    return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

async function writePair(dir: string, name: string, pair: KeyPairPem): Promise<void> {
  await writeFile(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
  await writeFile(join(dir, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/** Escapes a value for openssl's `/K=V/…` subject syntax. */
const subjectValue = (v: string): string => v.replace(/[\\/+=]/g, (c) => `\\${c}`);

/**
 * Runs `openssl req -x509` in a private scratch directory (0700) and returns the new key
 * and certificate; with `ca` the certificate is signed by it instead of self-signed.
 */
async function opensslReq(args: string[], ca?: KeyPairPem): Promise<KeyPairPem> {
  const scratch = await mkdtemp(join(tmpdir(), 'berth-pki-'));
  try {
    const caArgs: string[] = [];
    if (ca) {
      await writePair(scratch, 'ca', ca);
      caArgs.push('-CA', join(scratch, 'ca.crt'), '-CAkey', join(scratch, 'ca.key'));
    }
    const keyFile = join(scratch, 'out.key');
    const certFile = join(scratch, 'out.crt');
    await execFileAsync('openssl', ['req', '-x509', ...ecKey, '-keyout', keyFile, '-out', certFile, ...caArgs, ...args], { env: { ...process.env, OPENSSL_CONF: '/dev/null' } }).catch((err: Error & { stderr?: string }) => {
      throw unavailable(`openssl: ${err.stderr?.trim() || err.message}`);
    });
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function createCa(): Promise<KeyPairPem> {
  return opensslReq([
    '-days', String(tenYearsDays),
    '-subj', `/CN=berth-ca@${Math.floor(Date.now() / 1000)}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

interface LeafRequest {
  subject: string;
  usage: 'server' | 'client';
  dnsNames?: string[];
  ips?: string[];
}

async function signLeaf(ca: KeyPairPem, request: LeafRequest): Promise<KeyPairPem> {
  const names = [...(request.dnsNames ?? []).map((n) => `DNS:${n}`), ...(request.ips ?? []).map((ip) => `IP:${ip}`)];
  return opensslReq(
    [
      '-days', String(oneYearDays),
      '-subj', request.subject,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', `extendedKeyUsage=${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(names.length ? ['-addext', `subjectAltName=${names.join(',')}`] : []),
    ],
    ca,
  );
}

/** Names the serving certificate must cover: localhost, the host name, loopback and every address of this host. */
export function hostNames(extraNames: string[] = []): { dnsNames: string[]; ips: string[] } {
  const dnsNames = new Set(['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...extraNames.filter((n) => !isIp(n))]);
  const ips = new Set(['127.0.0.1', '::1', ...extraNames.filter(isIp)]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.address.startsWith('fe80:')) ips.add(a.address);
  return { dnsNames: [...dnsNames].filter((n) => n !== ''), ips: [...ips] };
}

function isIp(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s) || s.includes(':');
}

/** True when the certificate names every wanted DNS name and address and is not about to expire. */
function covers(certPem: string, want: { dnsNames: string[]; ips: string[] }): boolean {
  const cert = new NodeX509(certPem);
  if (new Date(cert.validTo).getTime() < Date.now() + 30 * 24 * 3600 * 1000) return false;
  const san = cert.subjectAltName ?? '';
  const have = new Set(san.split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, '').toLowerCase()));
  return want.dnsNames.every((n) => have.has(n.toLowerCase())) && want.ips.every((ip) => have.has(ip.toLowerCase()) || have.has(expandIpv6(ip)));
}

/** Node prints IPv6 SANs fully expanded without leading-zero compression. */
function expandIpv6(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':');
}

/** Loads `<dir>` or creates what is missing: the CA once, the serving certificate whenever it does not cover the host's names. */
export async function loadOrCreatePki(dir: string, extraNames: string[] = []): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let ca = await readPair(dir, 'ca');
  if (!ca) {
    ca = await createCa();
    await writePair(dir, 'ca', ca);
  }
  const want = hostNames(extraNames);
  let server = await readPair(dir, 'server');
  if (!server || !covers(server.cert, want) || !new NodeX509(server.cert).checkIssued(new NodeX509(ca.cert))) {
    server = await signLeaf(ca, { subject: '/CN=kube-apiserver', usage: 'server', ...want });
    await writePair(dir, 'server', server);
  }
  return { dir, ca, server };
}

/** A client certificate for `user` in `groups`, signed by the cluster CA. */
export async function issueClientCertificate(ca: KeyPairPem, user: string, groups: string[]): Promise<KeyPairPem> {
  const subject = [...groups.map((g) => `/O=${subjectValue(g)}`), `/CN=${subjectValue(user)}`].join('');
  return signLeaf(ca, { subject, usage: 'client' });
}
