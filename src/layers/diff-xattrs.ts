import { getAttributeSync, listAttributesSync } from 'fs-xattr';
import { failedPrecondition, isErrno } from '../lib/index.js';

const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Upper dirs written with these cannot be read without their lowers: refuse them. */
const OVERLAY_UNSUPPORTED_XATTRS = ['trusted.overlay.redirect', 'trusted.overlay.metacopy'];
const NONE: ReadonlyMap<string, Buffer> = new Map();

export interface EntryXattrs {
  /** What the layer records: every attribute but overlayfs' own, by name. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
  /** Overlayfs marked the directory opaque. */
  readonly opaque: boolean;
}

/**
 * The xattrs of a path that is not a symlink (fs-xattr follows symlinks). Synchronous:
 * the tree walk makes a few syscalls per entry, and a thread-pool round trip each cost
 * more than the calls themselves. In an overlay upper dir, redirect and metacopy marks
 * are refused.
 */
export function readEntryXattrs(path: string, overlay: boolean): EntryXattrs {
  let names: string[];
  try {
    names = listAttributesSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP')) return { xattrs: NONE, opaque: false };
    throw err;
  }
  if (names.length === 0) return { xattrs: NONE, opaque: false };
  const xattrs = new Map<string, Buffer>();
  let opaque = false;
  for (const name of names.sort()) {
    if (overlay && OVERLAY_UNSUPPORTED_XATTRS.includes(name)) {
      throw failedPrecondition(
        `${path} carries ${name}: the upper dir was written with redirect_dir or metacopy and cannot be diffed alone`,
      );
    }
    let value: Buffer;
    try {
      value = getAttributeSync(path, name);
    } catch (err) {
      if (isErrno(err, 'ENODATA')) continue;
      throw err;
    }
    if (name === OVERLAY_OPAQUE_XATTR) opaque = value.toString() === 'y';
    if (!name.startsWith(OVERLAY_XATTR_PREFIX)) xattrs.set(name, value);
  }
  return { xattrs, opaque };
}
