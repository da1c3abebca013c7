import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

const CANDIDATES = ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/bin/tini-static', '/usr/bin/tini'];

/** The first init binary (for `--init`) found on this host, or undefined. */
export async function findInitBinary(candidates: readonly string[] = CANDIDATES): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}
