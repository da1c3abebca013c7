import { endianness } from 'node:os';
import { invalidArgument } from '../lib/index.js';
import type { Descriptor } from './descriptor.js';

/** The platform an image or index entry is built for (image-spec `platform` object). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** What Node tells about the machine; a parameter so tests can pretend to be elsewhere. */
export interface NodeHost {
  arch: string;
  platform: string;
  /** `process.config.variables.arm_version` on 32-bit arm builds. */
  armVersion?: string;
  endianness?: 'LE' | 'BE';
}

// Node's process.arch → Go's GOARCH, which is what image platforms use.
const nodeArch: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  ppc: 'ppc',
  riscv64: 'riscv64',
  s390: 's390',
  s390x: 's390x',
};

const nodeOs: Record<string, string> = { win32: 'windows', sunos: 'solaris' };

function currentHost(): NodeHost {
  const variables = process.config.variables as unknown as Record<string, unknown>;
  const armVersion = variables['arm_version'];
  return {
    arch: process.arch,
    platform: process.platform,
    armVersion: typeof armVersion === 'string' || typeof armVersion === 'number' ? String(armVersion) : undefined,
    endianness: endianness(),
  };
}

/** The platform of the machine we run on, in image terms (`linux/amd64`, `linux/arm64/v8`). */
export function hostPlatform(host: NodeHost = currentHost()): Platform {
  const os = nodeOs[host.platform] ?? host.platform;
  let architecture = nodeArch[host.arch] ?? host.arch;
  let variant: string | undefined;
  if (host.arch === 'ppc64') architecture = host.endianness === 'BE' ? 'ppc64' : 'ppc64le';
  if (architecture === 'arm64') variant = 'v8';
  if (architecture === 'arm') variant = /^[5-8]$/.test(host.armVersion ?? '') ? `v${host.armVersion}` : 'v7';
  return variant ? { os, architecture, variant } : { os, architecture };
}

const knownOs = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl',
  'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos',
]);

const knownArch = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64',
  'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x',
  'sparc', 'sparc64', 'wasm',
]);

function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

function normalizeArch(arch: string, variant: string): [string, string] {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  switch (a) {
    case 'i386':
    case 'i686':
    case 'x86':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', v === 'v1' ? '' : v];
    case 'aarch64':
    case 'arm64':
      // An arm64 image without a variant is ARMv8: say so, so that comparisons are plain.
      if (v === '' || v === '8' || v === 'v8' || v === 'v8.0') return ['arm64', 'v8'];
      if (v === '9' || v === 'v9' || v === 'v9.0') return ['arm64', 'v9'];
      return ['arm64', v];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (v === '') return ['arm', 'v7'];
      return ['arm', /^[5-8]$/.test(v) ? `v${v}` : v];
    default:
      return [a, v];
  }
}

/** Canonical spelling: lowercase, Go arch names, default variants for arm and arm64. */
export function normalizePlatform(platform: Platform): Platform {
  const [architecture, variant] = normalizeArch(platform.architecture, platform.variant ?? '');
  const out: Platform = { os: normalizeOs(platform.os), architecture };
  if (variant) out.variant = variant;
  if (platform['os.version']) out['os.version'] = platform['os.version'];
  if (platform['os.features']?.length) out['os.features'] = [...platform['os.features']];
  return out;
}

const componentPattern = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `os[(os.version)]/arch[/variant]`, as `--platform` takes it. A single word is an
 * OS or an architecture and the rest comes from `defaults` (the host). Result is normalised.
 */
export function parsePlatform(spec: string, defaults: Platform = hostPlatform()): Platform {
  const bad = (why: string): Error => invalidArgument(`invalid platform ${JSON.stringify(spec)}: ${why}`);
  const parts = spec.split('/');
  if (parts.length > 3) throw bad('expected os/arch[/variant]');
  const osMatch = /^([^()]*)(?:\(([^()]+)\))?$/.exec(parts[0] ?? '');
  if (!osMatch) throw bad('malformed os version');
  const [, osPart = '', osVersion] = osMatch;
  const components = [osPart, ...parts.slice(1)];
  for (const c of components) if (!componentPattern.test(c)) throw bad(`invalid component ${JSON.stringify(c)}`);

  if (components.length === 1) {
    const word = osPart.toLowerCase();
    if (knownOs.has(normalizeOs(word))) {
      const p: Platform = { ...defaults, os: word };
      // The host's os.version means nothing for another OS.
      delete p['os.version'];
      delete p['os.features'];
      if (osVersion) p['os.version'] = osVersion;
      return normalizePlatform(p);
    }
    if (osVersion) throw bad('an os version needs an os');
    const [arch] = normalizeArch(word, '');
    if (knownArch.has(arch)) return normalizePlatform({ os: defaults.os, architecture: word });
    throw bad(`unknown operating system or architecture ${JSON.stringify(osPart)}`);
  }

  const [, architecture = '', variant] = components;
  const p: Platform = { os: osPart, architecture };
  if (variant) p.variant = variant;
  if (osVersion) p['os.version'] = osVersion;
  return normalizePlatform(p);
}

/** `linux/arm64/v8`, or `windows(10.0.17763.1)/amd64` when an os.version is set. */
export function formatPlatform(platform: Platform): string {
  const os = platform['os.version'] ? `${platform.os}(${platform['os.version']})` : platform.os;
  return [os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** Orders variants within an architecture: newer CPUs run code built for older ones. */
function variantLevel(arch: string, variant: string): number | undefined {
  const m = /^v(\d+)(?:\.(\d+))?$/.exec(variant);
  if (!m) return arch === 'amd64' && variant === '' ? 100 : undefined;
  if (arch !== 'arm' && arch !== 'arm64' && arch !== 'amd64') return undefined;
  return Number(m[1]) * 100 + Number(m[2] ?? 0);
}

/** Windows images must match the host's major.minor.build; the revision may differ. */
function osVersionMatches(want: string | undefined, have: string | undefined): boolean {
  if (!want || !have) return true;
  const prefix = (v: string): string => v.split('.').slice(0, 3).join('.');
  return prefix(want) === prefix(have);
}

/** Can a machine of platform `want` run an image built for `have`? */
export function platformMatches(want: Platform, have: Platform): boolean {
  return matchScore(normalizePlatform(want), normalizePlatform(have)) !== undefined;
}

/** Higher is better; undefined means not runnable. Both inputs are normalised. */
function matchScore(want: Platform, have: Platform): number | undefined {
  if (want.os !== have.os || want.architecture !== have.architecture) return undefined;
  if (!osVersionMatches(want['os.version'], have['os.version'])) return undefined;
  const wv = want.variant ?? '';
  const hv = have.variant ?? '';
  const exactOsVersion = want['os.version'] && want['os.version'] === have['os.version'] ? 1 : 0;
  if (wv === hv) return 100_000 + exactOsVersion;
  const wl = variantLevel(want.architecture, wv);
  const hl = variantLevel(want.architecture, hv);
  if (wl !== undefined && hl !== undefined) return hl <= wl ? hl * 2 + exactOsVersion : undefined;
  // Unordered variants: a variant-less image is generic, anything else must be equal.
  if (hv === '') return exactOsVersion;
  return undefined;
}

/** Annotation BuildKit puts on attestation manifests in an index (platform unknown/unknown). */
export const attestationAnnotation = 'vnd.docker.reference.type';

/**
 * Picks the index entry that best fits `want`: an exact variant beats a compatible older
 * one, which beats a variant-less one; ties go to the first entry, as in containerd.
 * Entries without a platform and attestation manifests are never chosen.
 */
export function selectManifest(
  index: { readonly manifests: readonly Descriptor[] },
  want: Platform,
): Descriptor | undefined {
  const w = normalizePlatform(want);
  let best: Descriptor | undefined;
  let bestScore = -1;
  for (const d of index.manifests) {
    if (!d.platform || d.annotations?.[attestationAnnotation] !== undefined) continue;
    const score = matchScore(w, normalizePlatform(d.platform));
    if (score !== undefined && score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
