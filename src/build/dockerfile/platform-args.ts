import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../../oci/index.js';

/** Build args every stage may use in RUN without declaring them (and that stay out of history). */
export const proxyArgNames: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

export const platformArgNames: ReadonlySet<string> = new Set([
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
]);

const toPlatform = (p: Platform | string | undefined, fallback: Platform): Platform =>
  p === undefined ? fallback : typeof p === 'string' ? parsePlatform(p, fallback) : p;

/**
 * Values of the predefined platform args. They are set automatically in the global scope
 * (FROM lines); inside a stage they must be declared (`ARG TARGETARCH`) to be seen.
 */
export function platformArgs(target?: Platform | string, build?: Platform | string): Record<string, string> {
  const buildP = toPlatform(build, hostPlatform());
  const targetP = toPlatform(target, buildP);
  const entries = (prefix: string, p: Platform): [string, string][] => [
    [`${prefix}PLATFORM`, formatPlatform({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) })],
    [`${prefix}OS`, p.os],
    [`${prefix}ARCH`, p.architecture],
    [`${prefix}VARIANT`, p.variant ?? ''],
  ];
  return Object.fromEntries([...entries('TARGET', targetP), ...entries('BUILD', buildP)]);
}
