/*
 * Test helpers for the layer suites: building tars in memory and proving that nothing
 * outside a target directory changed. Not part of the public API.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, type BigIntStats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getAttributeSync, listAttributesSync } from 'fs-xattr';
import { pack, type Header } from 'tar-stream';

export type FixtureEntry = Partial<Header> & {
  name: string;
  content?: string | Buffer;
  /** PAX records (string values, as tar-stream encodes them). */
  pax?: Record<string, string>;
};

/** A raw PAX header whose records apply to the next entry; values may be binary. */
export interface RawPax {
  rawPax: Array<[string, Buffer | string]>;
}

const END_OF_ARCHIVE = 1024;

/** A tar built by tar-stream's pack, with raw PAX headers spliced in where asked. */
export async function buildTar(entries: Array<FixtureEntry | RawPax>): Promise<Buffer> {
  const segments: Buffer[] = [];
  let run: FixtureEntry[] = [];
  const flush = async (): Promise<void> => {
    if (run.length === 0) return;
    const packed = await packEntries(run);
    segments.push(packed.subarray(0, packed.length - END_OF_ARCHIVE));
    run = [];
  };
  for (const entry of entries) {
    if ('rawPax' in entry) {
      await flush();
      segments.push(rawPaxHeader(entry.rawPax));
    } else {
      run.push(entry);
    }
  }
  await flush();
  segments.push(Buffer.alloc(END_OF_ARCHIVE));
  return Buffer.concat(segments);
}

async function packEntries(entries: FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of p) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const full = { mtime: new Date(1_600_000_000_000), ...header };
      p.entry(full, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function rawPaxHeader(records: Array<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, raw] of records) {
    const value = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
    // The length prefix counts its own digits.
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(length)), body]));
  }
  const data = Buffer.concat(parts);
  const header = Buffer.alloc(512);
  header.write('PaxHeader', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('x', 156);
  header.write('ustar\x0000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

export function streamOf(data: Buffer, chunkSize = 1000): Readable {
  // Small chunks so that headers and contents straddle chunk boundaries.
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export interface Sandbox {
  dir: string;
  target: string;
  cleanup(): void;
}

/** A temp dir holding `target/` (the layer root) and whatever the test puts beside it. */
export function makeSandbox(prefix: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
  const target = join(dir, 'target');
  mkdirSync(target);
  return {
    dir,
    target,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Everything observable about a tree: path, type, mode, owner, size, times, link target,
 * content digest. Two equal snapshots mean nothing was created, changed or removed.
 */
export function snapshotTree(root: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    const st = lstatSync(path);
    let extra = '';
    if (st.isSymbolicLink()) extra = `-> ${readlinkSync(path)}`;
    else if (st.isFile()) extra = createHash('sha256').update(readFileSync(path)).digest('hex');
    out.push(
      `${path} mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} size=${st.size} nlink=${st.nlink} mtime=${st.mtimeMs} ${extra}`,
    );
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        const child = join(path, name);
        if (!skip(child)) walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** Linux dev_t split, as glibc's major()/minor(). */
export function majorMinor(rdev: number): [number, number] {
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
  const minor = Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
  return [major, minor];
}

export interface TreeNode {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** Not for directories: a merged overlay directory takes the upper's times. */
  mtimeMs?: number;
  content?: string;
  target?: string;
  rdev?: string;
  xattrs: Record<string, string>;
}

/**
 * A comparable picture of what a tree shows, keyed by relative path: comparable between a
 * plain directory and an overlay mount of the same content. Directory sizes, link counts
 * and times, and overlayfs' own attributes are left out; which paths share an inode is
 * listed separately. `mtimes: false` leaves times out too, for trees that went through a
 * tar writer keeping whole seconds, as Docker's does.
 */
export function describeTree(
  root: string,
  options: { mtimes?: boolean } = {},
): { nodes: Record<string, TreeNode>; links: string[][] } {
  const nodes: Record<string, TreeNode> = {};
  const inodes = new Map<string, string[]>();
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = prefix + name;
      const st: BigIntStats = lstatSync(path, { bigint: true });
      const node: TreeNode = { type: typeOf(st), mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), xattrs: {} };
      if (!st.isDirectory() && options.mtimes !== false) node.mtimeMs = Number(st.mtimeMs);
      if (st.isFile()) node.content = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (st.isSymbolicLink()) node.target = readlinkSync(path);
      if (st.isCharacterDevice() || st.isBlockDevice()) node.rdev = String(st.rdev);
      if (!st.isSymbolicLink()) {
        for (const attr of listAttributesSync(path).sort()) {
          if (attr.startsWith('trusted.overlay.')) continue;
          node.xattrs[attr] = getAttributeSync(path, attr).toString('hex');
        }
      }
      nodes[rel] = node;
      if (!st.isDirectory() && st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        inodes.set(key, [...(inodes.get(key) ?? []), rel]);
      }
      if (st.isDirectory()) walk(path, `${rel}/`);
    }
  };
  walk(root, '');
  const links = [...inodes.values()].filter((group) => group.length > 1).map((group) => group.sort());
  return { nodes, links: links.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')) };
}

function typeOf(st: BigIntStats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}
