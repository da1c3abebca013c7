import { invalidArgument, type BerthError } from '../lib/index.js';

/** Prefix that turns a tar entry into a whiteout (OCI image-spec "Whiteouts"). */
export const WHITEOUT_PREFIX = '.wh.';
/** Marks its directory opaque: lower content in it is hidden. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Reserved by AUFS for its own bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`); never content. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** The error every refused entry gets, so messages always name the entry. */
export function badEntry(name: string, reason: string): BerthError {
  return invalidArgument(`layer entry ${JSON.stringify(name)}: ${reason}`);
}

/**
 * Splits a tar entry name into clean components relative to the layer root: leading `./`,
 * empty and `.` components go, `a/../b` becomes `b`. Absolute names are refused rather than
 * re-rooted (Docker strips the slash): image builders never write them, so one is a sign of
 * a hand-made or hostile layer. `..` that climbs above the root is refused. An empty result
 * names the root itself.
 */
export function splitEntryName(name: string, entryName = name, what = 'path'): string[] {
  if (name.includes('\0')) throw badEntry(entryName, `${what} contains a NUL byte`);
  if (name.startsWith('/')) throw badEntry(entryName, `absolute ${what} ${JSON.stringify(name)} is not allowed`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw badEntry(entryName, `${what} ${JSON.stringify(name)} climbs above the layer root`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts;
}

export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'opaque' }
  | { kind: 'meta' }
  | { kind: 'remove'; victim: string };

/** Classifies the last component of an entry name. */
export function whiteoutOf(entryName: string, base: string): WhiteoutKind {
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  const victim = base.slice(WHITEOUT_PREFIX.length);
  // `.wh..` or `.wh...` would delete the directory itself or its parent.
  if (victim === '' || victim === '.' || victim === '..') {
    throw badEntry(entryName, `whiteout names ${JSON.stringify(victim)}, which is not a sibling`);
  }
  return { kind: 'remove', victim };
}
