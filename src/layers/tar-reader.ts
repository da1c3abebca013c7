import { invalidArgument } from '../lib/index.js';

/*
 * A synchronous push parser for tar (ustar, GNU long names, PAX). It exists, rather than
 * tar-stream's extract, for two reasons: PAX values reach us as bytes (tar-stream decodes
 * them as UTF-8, which corrupts binary xattrs such as security.capability), and entries
 * cost no stream objects or promises, which dominates when a layer holds many small files.
 */

export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'directory'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'unsupported';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** The raw typeflag, for error messages about unsupported entries. */
  typeflag: string;
  /** Permission bits including setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content that follow the header (0 for header-only types). */
  size: number;
  /** Seconds since the epoch; PAX may give a fraction. */
  mtime: number;
  atime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.*` records; null when there are none. */
  xattrs: Map<string, Buffer> | null;
}

/** Receives one entry's content; end() follows the last write (also for empty files). */
export interface TarEntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

export interface TarEntryHandler {
  /** Returns a sink for the content, or null to skip it. */
  entry(header: TarHeader): TarEntrySink | null;
}

const BLOCK = 512;
// PAX and GNU long-name records are buffered whole; bound them so a layer cannot make us
// allocate without limit.
const MAX_META_SIZE = 16 * 1024 * 1024;
const XATTR_PAX_PREFIX = 'SCHILY.xattr.';

const enum State {
  Header,
  Data,
  Meta,
  Padding,
  Done,
}

type MetaKind = 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link';

interface PendingMeta {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  atime?: number;
  xattrs?: Map<string, Buffer>;
}

export class TarReader {
  private state = State.Header;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private remaining = 0;
  private padding = 0;
  private sink: TarEntrySink | null = null;
  private metaKind: MetaKind = 'pax';
  private metaBuffer: Buffer = Buffer.alloc(0);
  private metaFill = 0;
  private pending: PendingMeta = {};

  constructor(private readonly handler: TarEntryHandler) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case State.Done:
          // Bytes after the end-of-archive marker (record padding) carry nothing.
          return;
        case State.Header: {
          let header: Buffer;
          if (this.blockFill === 0 && chunk.length - offset >= BLOCK) {
            header = chunk.subarray(offset, offset + BLOCK);
            offset += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.blockFill, chunk.length - offset);
            chunk.copy(this.block, this.blockFill, offset, offset + n);
            this.blockFill += n;
            offset += n;
            if (this.blockFill < BLOCK) return;
            this.blockFill = 0;
            header = this.block;
          }
          this.onHeader(header);
          break;
        }
        case State.Data: {
          const n = Math.min(this.remaining, chunk.length - offset);
          this.sink?.write(chunk.subarray(offset, offset + n));
          this.remaining -= n;
          offset += n;
          if (this.remaining === 0) this.endData();
          break;
        }
        case State.Meta: {
          const n = Math.min(this.remaining, chunk.length - offset);
          chunk.copy(this.metaBuffer, this.metaFill, offset, offset + n);
          this.metaFill += n;
          this.remaining -= n;
          offset += n;
          if (this.remaining === 0) {
            this.onMeta(this.metaBuffer.subarray(0, this.metaFill));
            this.state = this.padding > 0 ? State.Padding : State.Header;
          }
          break;
        }
        case State.Padding: {
          const n = Math.min(this.padding, chunk.length - offset);
          this.padding -= n;
          offset += n;
          if (this.padding === 0) this.state = State.Header;
          break;
        }
      }
    }
  }

  /** Call at end of input: refuses an archive cut in the middle of an entry. */
  end(): void {
    if (this.state === State.Done) return;
    // Go's archive/tar also accepts an archive that stops cleanly between entries.
    if (this.state === State.Header && this.blockFill === 0) return;
    throw invalidArgument('layer tar ends in the middle of an entry (truncated archive?)');
  }

  private onHeader(b: Buffer): void {
    if (isZeroBlock(b)) {
      this.state = State.Done;
      return;
    }
    verifyChecksum(b);
    const flag = b[156] ?? 0;
    const size = readNumber(b, 124, 12, 'size');
    this.padding = padOf(size);

    const metaKind = metaKindOf(flag);
    if (metaKind) {
      if (size > MAX_META_SIZE) throw invalidArgument(`layer tar has a ${metaKind} record of ${size} bytes`);
      this.metaKind = metaKind;
      this.metaBuffer = this.metaBuffer.length >= size ? this.metaBuffer : Buffer.alloc(size);
      this.metaFill = 0;
      this.remaining = size;
      if (size === 0) {
        this.onMeta(this.metaBuffer.subarray(0, 0));
        this.state = State.Header;
      } else {
        this.state = State.Meta;
      }
      return;
    }

    const header = this.decodeHeader(b, flag, size);
    this.pending = {};
    this.sink = this.handler.entry(header);
    this.remaining = header.size;
    this.padding = padOf(header.size);
    if (header.size === 0) this.endData();
    else this.state = State.Data;
  }

  private endData(): void {
    const sink = this.sink;
    this.sink = null;
    this.state = this.padding > 0 ? State.Padding : State.Header;
    sink?.end();
  }

  private decodeHeader(b: Buffer, flag: number, headerSize: number): TarHeader {
    const p = this.pending;
    let name = p.path;
    if (name === undefined) {
      name = readString(b, 0, 100);
      // POSIX ustar splits long names into prefix/name; GNU uses those bytes for times.
      if (b.toString('latin1', 257, 263) === 'ustar\0' && b[345] !== 0) {
        name = `${readString(b, 345, 155)}/${name}`;
      }
    }
    let type = typeOf(flag);
    // Pre-POSIX tars marked directories only by a trailing slash.
    if (flag === 0 && name.endsWith('/')) type = 'directory';
    const mtime = p.mtime ?? readNumber(b, 136, 12, 'mtime');
    const headerOnly = type !== 'file' && type !== 'unsupported';
    return {
      name,
      type,
      typeflag: String.fromCharCode(flag),
      mode: readNumber(b, 100, 8, 'mode') & 0o7777,
      uid: p.uid ?? readNumber(b, 108, 8, 'uid'),
      gid: p.gid ?? readNumber(b, 116, 8, 'gid'),
      // As Go's archive/tar: link, device, directory and fifo entries carry no content
      // whatever their size field says.
      size: headerOnly ? 0 : (p.size ?? headerSize),
      mtime,
      atime: p.atime ?? mtime,
      linkname: p.linkpath ?? readString(b, 157, 100),
      devmajor: readNumber(b, 329, 8, 'devmajor'),
      devminor: readNumber(b, 337, 8, 'devminor'),
      xattrs: p.xattrs ?? null,
    };
  }

  private onMeta(data: Buffer): void {
    switch (this.metaKind) {
      case 'gnu-long-name':
        this.pending.path = readString(data, 0, data.length);
        break;
      case 'gnu-long-link':
        this.pending.linkpath = readString(data, 0, data.length);
        break;
      case 'pax':
        parsePax(data, this.pending);
        break;
      case 'pax-global':
        // Ignored, as Docker does: image tools never rely on global records.
        break;
    }
  }
}

function metaKindOf(flag: number): MetaKind | null {
  switch (flag) {
    case 0x78: // 'x'
      return 'pax';
    case 0x67: // 'g'
      return 'pax-global';
    case 0x4c: // 'L'
      return 'gnu-long-name';
    case 0x4b: // 'K'
      return 'gnu-long-link';
    default:
      return null;
  }
}

function typeOf(flag: number): TarEntryType {
  switch (flag) {
    case 0:
    case 0x30: // '0'
    case 0x37: // '7' contiguous file: a regular file everywhere that matters
      return 'file';
    case 0x31:
      return 'hardlink';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'char-device';
    case 0x34:
      return 'block-device';
    case 0x35:
      return 'directory';
    case 0x36:
      return 'fifo';
    default:
      return 'unsupported';
  }
}

function padOf(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function verifyChecksum(b: Buffer): void {
  const stored = readNumber(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed chars; accept either, as GNU tar and Go do.
  if (stored !== unsigned && stored !== signed) {
    throw invalidArgument('layer is not a valid tar archive (header checksum mismatch)');
  }
}

function readString(b: Buffer, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && b[end] !== 0) end++;
  return b.toString('utf8', offset, end);
}

/** Octal (space or NUL padded) or GNU base-256 numeric field. */
function readNumber(b: Buffer, offset: number, length: number, field: string): number {
  const first = b[offset] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw invalidArgument(`layer tar header has a negative ${field}`);
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (b[offset + i] ?? 0);
    if (!Number.isSafeInteger(value)) throw invalidArgument(`layer tar header ${field} is too large`);
    return value;
  }
  let i = offset;
  const end = offset + length;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw invalidArgument(`layer tar header has a malformed ${field} field`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

/** PAX extended header: records of `LEN KEY=VALUE\n`, LEN counting the whole record. */
function parsePax(data: Buffer, into: PendingMeta): void {
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space > pos ? Number(data.toString('latin1', pos, space)) : NaN;
    const end = pos + length;
    if (!Number.isSafeInteger(length) || length <= 0 || end > data.length || data[end - 1] !== 0x0a) {
      throw invalidArgument('layer tar has a malformed PAX record');
    }
    const equals = data.indexOf(0x3d, space + 1);
    if (equals < 0 || equals >= end) throw invalidArgument('layer tar has a malformed PAX record');
    const key = data.toString('utf8', space + 1, equals);
    const value = data.subarray(equals + 1, end - 1);
    applyPaxRecord(key, value, into);
    pos = end;
  }
}

function applyPaxRecord(key: string, value: Buffer, into: PendingMeta): void {
  if (key.startsWith(XATTR_PAX_PREFIX)) {
    into.xattrs ??= new Map();
    // Copy: the value must outlive the reused meta buffer.
    into.xattrs.set(key.slice(XATTR_PAX_PREFIX.length), Buffer.from(value));
    return;
  }
  // An empty value cancels the keyword (POSIX pax), so fall back to the ustar field.
  const text = value.toString('utf8');
  switch (key) {
    case 'path':
      if (text) into.path = text;
      else delete into.path;
      break;
    case 'linkpath':
      if (text) into.linkpath = text;
      else delete into.linkpath;
      break;
    case 'size':
      into.size = paxInteger(key, text);
      break;
    case 'uid':
      into.uid = paxInteger(key, text);
      break;
    case 'gid':
      into.gid = paxInteger(key, text);
      break;
    case 'mtime':
      into.mtime = paxTime(key, text);
      break;
    case 'atime':
      into.atime = paxTime(key, text);
      break;
    default:
      break;
  }
}

function paxInteger(key: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw invalidArgument(`layer tar has a malformed PAX ${key} ${JSON.stringify(text)}`);
  }
  return value;
}

function paxTime(key: string, text: string): number {
  const value = Number(text);
  if (!/^-?\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw invalidArgument(`layer tar has a malformed PAX ${key} ${JSON.stringify(text)}`);
  }
  return value;
}
