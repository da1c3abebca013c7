import { getAttributeSync, listAttributesSync, setAttributeSync } from 'fs-xattr';
import { isErrno } from '../../lib/index.js';

// overlayfs' own attributes describe the layer a file sits in, not the file.
const SKIPPED_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

/** The extended attributes of a path that is not a symlink (fs-xattr follows links), sorted. */
export function readXattrs(path: string): [string, Buffer][] {
  let names: string[];
  try {
    names = listAttributesSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP')) return [];
    throw err;
  }
  const out: [string, Buffer][] = [];
  for (const name of names.sort()) {
    if (SKIPPED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    try {
      out.push([name, getAttributeSync(path, name)]);
    } catch (err) {
      if (!isErrno(err, 'ENODATA')) throw err;
    }
  }
  return out;
}

/** Sets xattrs on a path that is not a symlink; refused ones (ENOTSUP, EPERM) are skipped, as Docker's best effort. */
export function writeXattrs(path: string, xattrs: [string, Buffer][]): void {
  for (const [name, value] of xattrs) {
    try {
      setAttributeSync(path, name, value);
    } catch (err) {
      if (isErrno(err, 'ENOTSUP') || isErrno(err, 'EOPNOTSUPP') || isErrno(err, 'EPERM')) continue;
      throw err;
    }
  }
}
