import type { RegistryAuth } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { hostPlatform, parsePlatform, parseReference } from '../../oci/index.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function platformOf(platform: string | undefined): Platform {
  const p = platform === undefined ? hostPlatform() : parsePlatform(platform, hostPlatform());
  return { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
}

/** The credentials for the registry a reference names; Docker Hub is keyed by its v1 URL. */
export function authFor(auths: Record<string, RegistryAuth>, reference: string): RegistryAuth | undefined {
  const { domain } = parseReference(reference);
  for (const [key, auth] of Object.entries(auths)) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === domain || (domain === 'docker.io' && (host === 'index.docker.io' || host === 'registry-1.docker.io'))) return auth;
  }
  return undefined;
}

/** `name:tag` as Docker prints it after a build: the user's text, `:latest` added when no tag. */
export function displayTag(tag: string): string {
  const lastSlash = tag.lastIndexOf('/');
  return tag.includes('@') || tag.slice(lastSlash + 1).includes(':') ? tag : `${tag}:latest`;
}

/** Refuses a bad `-t` before anything is built, as moby's sanitizeRepoAndTags. */
export function checkTags(tags: readonly string[]): void {
  for (const tag of tags) {
    let digest: string | undefined;
    try {
      digest = parseReference(tag).digest;
    } catch (err) {
      throw invalidArgument(`invalid tag ${JSON.stringify(tag)}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    if (digest !== undefined) throw invalidArgument(`invalid tag ${JSON.stringify(tag)}: refusing to create a tag with a digest reference`);
  }
}
