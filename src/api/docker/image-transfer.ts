import type { PullOptions, RegistryAuth, TransferEvent } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { familiarName, parseReference } from '../../oci/index.js';

/** Docker's short ID for a layer in progress messages: 12 hex digits of its digest. */
const shortDigest = (digest: string): string => digest.replace(/^[a-z0-9]+:/, '').slice(0, 12);

/** Decodes `X-Registry-Auth`: base64url (or plain base64) JSON; absent or empty → none. */
export function registryAuthOf(header: string | string[] | undefined): RegistryAuth | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch (err) {
    throw invalidArgument('X-Registry-Auth is not base64-encoded JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const auth: RegistryAuth = {};
  for (const key of ['username', 'password', 'identitytoken', 'registrytoken', 'serveraddress'] as const) {
    const field = (parsed as Record<string, unknown>)[key];
    if (typeof field === 'string' && field !== '') auth[key] = field;
  }
  return Object.keys(auth).length ? auth : undefined;
}

/** `fromImage` + `tag` (a tag or a digest) → one reference. */
export function pullReference(fromImage: string, tag: string | null): string {
  if (!tag) return fromImage;
  return /^[a-z0-9]+:[a-f0-9]+$/.test(tag) ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

export function pullOptions(platform: string | null, auth: RegistryAuth | undefined): PullOptions {
  return { ...(platform ? { platform } : {}), ...(auth ? { auth } : {}) };
}

/** Turns pull events into Docker's JSON progress messages. */
export function pullMessages(reference: string): { message(event: TransferEvent): object[]; final(): object[] } {
  let downloaded = false;
  let digest = '';
  return {
    message(event) {
      switch (event.kind) {
        case 'start':
          return [{ status: `Pulling from ${event.repository}`, id: event.tag ?? digestTail(reference) }];
        case 'done':
          digest = event.digest;
          return [];
        case 'blob': {
          if (event.isConfig) return [];
          const id = shortDigest(event.digest);
          switch (event.phase) {
            case 'waiting':
              return [{ status: 'Pulling fs layer', progressDetail: {}, id }];
            case 'exists':
              return [{ status: 'Already exists', progressDetail: {}, id }];
            case 'downloading':
              downloaded = true;
              return [{ status: 'Downloading', progressDetail: { current: event.current, total: event.total }, id }];
            case 'complete':
              downloaded = true;
              return [
                { status: 'Download complete', progressDetail: {}, id },
                { status: 'Pull complete', progressDetail: {}, id },
              ];
            default:
              return [];
          }
        }
      }
    },
    final() {
      const name = familiarName(parseReference(reference));
      return [
        { status: `Digest: ${digest}` },
        { status: downloaded ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` },
      ];
    },
  };
}

/** Turns push events into Docker's JSON progress messages. */
export function pushMessages(reference: string): { message(event: TransferEvent): object[] } {
  const ref = parseReference(reference);
  return {
    message(event) {
      switch (event.kind) {
        case 'start':
          return [{ status: `The push refers to repository [${familiarName({ domain: ref.domain, path: ref.path })}]` }];
        case 'done':
          return [
            { status: `${ref.tag ?? 'latest'}: digest: ${event.digest} size: ${event.size}` },
            { progressDetail: {}, aux: { Tag: ref.tag ?? 'latest', Digest: event.digest, Size: event.size } },
          ];
        case 'blob': {
          if (event.isConfig) return [];
          const id = shortDigest(event.digest);
          switch (event.phase) {
            case 'waiting':
              return [{ status: 'Preparing', progressDetail: {}, id }];
            case 'exists':
              return [{ status: 'Layer already exists', progressDetail: {}, id }];
            case 'pushing':
              return [{ status: 'Pushing', progressDetail: { current: event.current, total: event.total }, id }];
            case 'pushed':
              return [{ status: 'Pushed', progressDetail: {}, id }];
            case 'mounted':
              return [{ status: `Mounted from ${event.from ?? ''}`, progressDetail: {}, id }];
            default:
              return [];
          }
        }
      }
    },
  };
}

function digestTail(reference: string): string {
  return parseReference(reference).digest ?? 'latest';
}
