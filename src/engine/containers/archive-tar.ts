import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar, { type Header, type Pack } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
type Sink = ReturnType<Pack['entry']>;
import { failedPrecondition } from '../../lib/index.js';

const READ_CHUNK = 1 << 20;

/**
 * A tar of one path (a file, a link, a device or a whole directory tree) whose entries are
 * named from `name`: `name` itself, then `name/child`… (`.` gives `./`, `./child`, what
 * `docker cp c:/dir/. x` reads). Links are stored as links, never followed; a second path
 * to an inode already written becomes a hardlink entry; sockets are skipped, as Docker does.
 */
export function tarPath(hostPath: string, name: string): Readable {
  const pack = tar.pack();
  void writeEntry(pack, hostPath, name, new Map()).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  // tar-stream's streams are streamx ones; callers get a plain Node byte stream.
  return Readable.from(pack, { objectMode: false });
}

async function writeEntry(pack: Pack, hostPath: string, name: string, links: Map<string, string>): Promise<void> {
  const st = await lstat(hostPath, { bigint: true });
  if (st.isSocket()) return;
  const base: Headers = {
    name,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: new Date(Number(st.mtimeMs)),
  };
  if (st.isDirectory()) {
    await addEntry(pack, { ...base, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' });
    const children = (await readdir(hostPath)).sort();
    for (const child of children) await writeEntry(pack, path.join(hostPath, child), `${name.replace(/\/$/, '')}/${child}`, links);
    return;
  }
  if (st.nlink > 1n) {
    const inode = `${st.dev}:${st.ino}`;
    const first = links.get(inode);
    if (first !== undefined) return addEntry(pack, { ...base, type: 'link', linkname: first });
    links.set(inode, name);
  }
  if (st.isFile()) return addFile(pack, hostPath, base);
  if (st.isSymbolicLink()) return addEntry(pack, { ...base, type: 'symlink', linkname: await readlink(hostPath) });
  if (st.isFIFO()) return addEntry(pack, { ...base, type: 'fifo' });
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    return addEntry(pack, { ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', ...deviceNumbers(st) });
  }
}

function addEntry(pack: Pack, header: Headers): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: Pack, hostPath: string, base: Headers): Promise<void> {
  const handle = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const { size } = await handle.stat();
    let entry!: Sink;
    const done = new Promise<void>((ok, fail) => {
      entry = pack.entry({ ...base, type: 'file', size }, (err) => (err ? fail(err) : ok()));
    });
    done.catch(() => undefined);
    let offset = 0;
    while (offset < size) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - offset));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead === 0) {
        const err = failedPrecondition(`${hostPath} shrank while it was being archived`);
        entry.destroy(err);
        throw err;
      }
      offset += bytesRead;
      if (!entry.write(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead))) {
        await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
      }
    }
    entry.end(null);
    await done;
  } finally {
    await handle.close();
  }
}

/** Linux dev_t → major/minor (glibc's encoding). */
function deviceNumbers(st: BigIntStats): { devmajor: number; devminor: number } {
  const rdev = st.rdev;
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { devmajor: Number(major), devminor: Number(minor) };
}
