/*
 * Helpers for this folder's tests: temporary trees, tars built in memory, compression by
 * the system tools. Not part of the public face.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

export type TarFixture = Partial<tar.Header> & { name: string; content?: string | Buffer };

export async function buildTar(entries: TarFixture[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ mtime: new Date(1_600_000_000_000), ...header }, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Compresses with the system tool (`gzip`, `bzip2`, `xz`, `zstd`). */
export function compress(data: Buffer, tool: 'gzip' | 'bzip2' | 'xz' | 'zstd'): Buffer {
  const result = spawnSync(tool, ['-c'], { input: data, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

export function streamOf(data: Buffer, chunkSize = 700): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Entries of a tar: name → header and content. */
export async function listTar(data: Buffer): Promise<Map<string, { header: tar.Header; content: Buffer }>> {
  const extract = tar.extract();
  const out = new Map<string, { header: tar.Header; content: Buffer }>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      out.set(entry.header.name, { header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  extract.end(data);
  await done;
  return out;
}

export interface Scratch {
  dir: string;
  /** Makes a directory under the scratch dir and returns its path. */
  mkdir(name: string): string;
  cleanup(): void;
}

export function scratch(prefix = 'bctx-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    mkdir(name) {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes files (content strings) under `root`, making parents. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Every path under `root` with its kind and content or link target, sorted. */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel === '' ? root : join(root, rel)).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const path = join(root, childRel);
      const st = lstatSync(path);
      if (st.isDirectory()) {
        out.push(`${childRel}/`);
        walk(childRel);
      } else if (st.isSymbolicLink()) out.push(`${childRel} -> ${readlinkSync(path)}`);
      else out.push(`${childRel} = ${readFileSync(path, 'utf8')}`);
    }
  };
  walk('');
  return out;
}
