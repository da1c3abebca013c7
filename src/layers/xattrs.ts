import { setAttributeSync } from 'fs-xattr';
import { isErrno } from '../lib/index.js';

/*
 * Which extended attributes from a layer reach the disk.
 *
 * overlayfs reads its own attributes (`trusted.overlay.*`, or `user.overlay.*` when mounted
 * with userxattr) to find opaque directories, redirects, metacopy and origin links. A layer
 * carrying them could forge whiteouts or redirect lookups once its directory becomes an
 * overlay layer, so they are dropped: in a tar, whiteouts are `.wh.` entries, never xattrs.
 * Everything else (security.capability, security.selinux, ACLs, user.*) is applied.
 */
const OVERLAY_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

export function isAppliedXattr(name: string): boolean {
  return !OVERLAY_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * Sets the layer's xattrs on `path`, which must not be a symlink: fs-xattr calls setxattr,
 * which follows links. As Docker does, a filesystem or namespace that refuses an attribute
 * (ENOTSUP, EPERM: e.g. user.* on a device node) is not an error.
 */
export function applyXattrs(path: string, xattrs: Map<string, Buffer>): void {
  for (const [name, value] of xattrs) {
    if (!isAppliedXattr(name)) continue;
    try {
      setAttributeSync(path, name, value);
    } catch (err) {
      if (isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP') || isErrno(err, 'EPERM')) continue;
      throw err;
    }
  }
}
