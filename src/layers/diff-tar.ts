/**
 * A byte-exact POSIX pax tar header encoder, for layer tars we write ourselves.
 *
 * tar-stream's packer stores pax values as UTF-8 strings (so binary xattrs such as
 * `security.capability` would be corrupted) and silently clamps uids past 2097151; here
 * every value that does not fit a ustar field goes into a pax record instead, records are
 * sorted by key, and no atime/ctime is ever written, so the same tree gives the same bytes.
 */
import { invalidArgument } from '../lib/index.js';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

export interface TarHeader {
  /** Relative path without a leading `/`; a directory gets its trailing `/` here. */
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky (masked to 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  /** Content length, regular files only. */
  size?: number;
  /** Symlink target, or the archive path a hardlink points to. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as `SCHILY.xattr.<name>` pax records (raw bytes). */
  xattrs?: ReadonlyMap<string, Buffer>;
}

export const TAR_BLOCK = 512;
/** Two zero blocks end an archive. */
export const TAR_END: Buffer = Buffer.alloc(TAR_BLOCK * 2);

const typeflags: Record<TarEntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

/** Where headers are written: tar output filled in place (see TarBatch). */
export interface TarOutput {
  /** Reserves the next 512 bytes, zeroed, to be filled in place. */
  block(): Buffer;
  append(bytes: Buffer): void;
  zeros(count: number): void;
}

/**
 * Writes the header block(s) for one entry: an optional pax extended header, then the
 * ustar header. Written in place, byte by byte: the walk writes one per entry, and a
 * Buffer and a native string write per field cost more than the syscalls behind them.
 */
export function writeTarHeader(header: TarHeader, out: TarOutput): void {
  const name = header.type === 'directory' && !header.name.endsWith('/') ? `${header.name}/` : header.name;
  if (name === '' || name.startsWith('/')) throw invalidArgument(`tar entry name ${JSON.stringify(name)} is not relative`);
  if (name.includes('\0') || (header.linkname ?? '').includes('\0')) {
    throw invalidArgument(`tar entry ${JSON.stringify(name)} contains a NUL byte`);
  }
  const size = header.type === 'file' ? (header.size ?? 0) : 0;
  const records = new Map<string, Buffer>();

  const split = splitUstarPath(name);
  if (!split) records.set('path', Buffer.from(name, 'utf8'));
  const linkname = header.linkname ?? '';
  const linkFits = isAscii(linkname) && Buffer.byteLength(linkname) <= 100;
  if (!linkFits) records.set('linkpath', Buffer.from(linkname, 'utf8'));
  const uid = numericField(records, 'uid', header.uid, MAX_OCTAL_7);
  const gid = numericField(records, 'gid', header.gid, MAX_OCTAL_7);
  const sizeField = numericField(records, 'size', size, MAX_OCTAL_11);
  const mtime = numericField(records, 'mtime', header.mtime, MAX_OCTAL_11);
  for (const [key, value] of header.xattrs ?? []) {
    if (key.includes('=') || key.includes('\0')) throw invalidArgument(`xattr name ${JSON.stringify(key)} cannot be stored`);
    records.set(`SCHILY.xattr.${key}`, value);
  }

  if (records.size > 0) {
    const body = encodePaxRecords(records);
    ustarBlock(out.block(), {
      name: asciiPrefix(`PaxHeaders.0/${basename(name)}`, 100),
      prefix: '',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: body.length,
      mtime,
      typeflag: 'x',
      linkname: '',
      devmajor: 0,
      devminor: 0,
    });
    out.append(body);
    const rest = body.length % TAR_BLOCK;
    if (rest !== 0) out.zeros(TAR_BLOCK - rest);
  }
  ustarBlock(out.block(), {
    name: split?.name ?? asciiPrefix(name, 100),
    prefix: split?.prefix ?? '',
    mode: header.mode & 0o7777,
    uid,
    gid,
    size: sizeField,
    mtime,
    typeflag: typeflags[header.type],
    linkname: linkFits ? linkname : asciiPrefix(linkname, 100),
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
  });
}

/** Stores `value` in the ustar field when it fits, otherwise as a pax record (field 0). */
function numericField(records: Map<string, Buffer>, key: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value)) throw invalidArgument(`tar ${key} ${value} is not an integer`);
  if (value >= 0 && value <= max) return value;
  records.set(key, Buffer.from(String(value)));
  return 0;
}

/** `"<len> <key>=<value>\n"` records, sorted by key; len counts the whole record. */
function encodePaxRecords(records: ReadonlyMap<string, Buffer>): Buffer {
  const keys = [...records.keys()].sort();
  const parts: Buffer[] = [];
  for (const key of keys) {
    const value = records.get(key) ?? Buffer.alloc(0);
    const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
    let length = rest + String(rest).length;
    while (length !== rest + String(length).length) length = rest + String(length).length;
    parts.push(Buffer.from(`${length} ${key}=`), value, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

interface UstarFields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** Fills a zeroed block; every string here is ASCII (see splitUstarPath, asciiPrefix). */
function ustarBlock(block: Buffer, f: UstarFields): void {
  writeAscii(block, 0, 100, f.name);
  writeOctal(block, 100, 8, f.mode);
  writeOctal(block, 108, 8, f.uid);
  writeOctal(block, 116, 8, f.gid);
  writeOctal(block, 124, 12, f.size);
  writeOctal(block, 136, 12, f.mtime);
  writeAscii(block, 156, 1, f.typeflag);
  writeAscii(block, 157, 100, f.linkname);
  writeAscii(block, 257, 6, 'ustar\0');
  writeAscii(block, 263, 2, '00');
  writeOctal(block, 329, 8, f.devmajor);
  writeOctal(block, 337, 8, f.devminor);
  writeAscii(block, 345, 155, f.prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += block[i] ?? 0;
  // Six digits, NUL, space.
  writeOctal(block, 148, 7, sum);
  block[155] = 0x20;
}

function writeAscii(block: Buffer, offset: number, max: number, value: string): void {
  const length = Math.min(value.length, max);
  for (let i = 0; i < length; i++) block[offset + i] = value.charCodeAt(i) & 0xff;
}

/** width-1 zero-padded octal digits and a NUL. */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  let rest = value;
  for (let i = offset + width - 2; i >= offset; i--) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  if (rest !== 0) throw invalidArgument(`tar field value ${value} does not fit ${width} bytes`);
  block[offset + width - 1] = 0;
}

/** Splits an ASCII path into ustar prefix (≤155) and name (≤100), or undefined. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return { prefix: '', name: path };
  // The longest name that fits: the first slash at or after length-101 (a trailing
  // directory slash is part of the name, never a split point).
  for (let i = Math.max(0, path.length - 101); i < path.length - 1; i++) {
    if (path[i] !== '/') continue;
    if (i > 155 || i === 0) return undefined;
    return { prefix: path.slice(0, i), name: path.slice(i + 1) };
  }
  return undefined;
}

/** Only 7-bit characters (NUL is refused earlier): these fit ustar fields byte for byte. */
function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

function asciiPrefix(value: string, max: number): string {
  let result = '';
  for (const char of value) result += char.charCodeAt(0) > 0x7f ? '_' : char;
  return result.slice(0, max);
}

function basename(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
