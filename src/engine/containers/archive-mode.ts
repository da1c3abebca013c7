import type { Stats } from 'node:fs';

/*
 * Go's os.FileMode bits (io/fs): the type lives in the top bits, permissions in the low
 * nine, and setuid/setgid/sticky get bits of their own. Docker's path-stat header carries
 * a mode in this encoding, and clients (the docker CLI) test it with Go's methods.
 */
export const GO_MODE_DIR = 2 ** 31;
export const GO_MODE_SYMLINK = 2 ** 27;
export const GO_MODE_DEVICE = 2 ** 26;
export const GO_MODE_NAMED_PIPE = 2 ** 25;
export const GO_MODE_SOCKET = 2 ** 24;
export const GO_MODE_SETUID = 2 ** 23;
export const GO_MODE_SETGID = 2 ** 22;
export const GO_MODE_CHAR_DEVICE = 2 ** 21;
export const GO_MODE_STICKY = 2 ** 20;

/** A stat result's mode as Go's os.FileMode (an unsigned 32-bit number), as os.Lstat gives it. */
export function goFileMode(stats: Pick<Stats, 'mode' | 'isDirectory' | 'isSymbolicLink' | 'isBlockDevice' | 'isCharacterDevice' | 'isFIFO' | 'isSocket'>): number {
  let mode = stats.mode & 0o777;
  if (stats.isDirectory()) mode += GO_MODE_DIR;
  else if (stats.isSymbolicLink()) mode += GO_MODE_SYMLINK;
  else if (stats.isBlockDevice()) mode += GO_MODE_DEVICE;
  else if (stats.isCharacterDevice()) mode += GO_MODE_DEVICE + GO_MODE_CHAR_DEVICE;
  else if (stats.isFIFO()) mode += GO_MODE_NAMED_PIPE;
  else if (stats.isSocket()) mode += GO_MODE_SOCKET;
  if (stats.mode & 0o4000) mode += GO_MODE_SETUID;
  if (stats.mode & 0o2000) mode += GO_MODE_SETGID;
  if (stats.mode & 0o1000) mode += GO_MODE_STICKY;
  return mode;
}
