import { readFileSync } from 'node:fs';

/** What a file created by this process gets before any fchown/fchmod. */
export interface CreationDefaults {
  uid: number;
  gid: number;
  /** null when unknown: then every mode is set explicitly. */
  umask: number | null;
}

/**
 * Read per apply, not cached: cheap, and the umask is process state someone may change.
 * process.umask() without an argument is deprecated (it sets the mask to read it), so
 * the kernel's own report is used.
 */
export function creationDefaults(): CreationDefaults {
  let umask: number | null = null;
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (match?.[1] !== undefined) umask = parseInt(match[1], 8);
  } catch {
    // No procfs: fall back to explicit fchmod for every file.
  }
  return { uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1, umask };
}
