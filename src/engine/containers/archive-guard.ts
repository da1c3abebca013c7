import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import { conflict, invalidArgument, isErrno } from '../../lib/index.js';
import { TarReader, type TarReadHeader } from '../../layers/index.js';
import { resolveInRoot } from './rootfs-file.js';

const WHITEOUT_PREFIX = '.wh.';

/**
 * Passes a tar through unchanged while checking each entry before the extractor sees it:
 * - a name whose last element starts with `.wh.` is refused: the layer extractor would take
 *   it for a whiteout and delete its sibling, where `docker cp` copies a plain file;
 * - with `noOverwriteDirNonDir`, an entry that would replace a directory with a
 *   non-directory, or the other way round, is refused (Docker's flag of that name). The
 *   check looks at what the archive itself put at a path first, then at the destination.
 */
export function guardArchive(tar: Readable, destination: string, options: { noOverwriteDirNonDir?: boolean } = {}): Readable {
  const headers: Array<Pick<TarReadHeader, 'name' | 'type'>> = [];
  const reader = new TarReader({
    entry: (h) => {
      headers.push({ name: h.name, type: h.type });
      return null;
    },
  });
  /** Relative path → whether this archive made it a directory. */
  const seen = new Map<string, boolean>();
  const check = async (h: Pick<TarReadHeader, 'name' | 'type'>): Promise<void> => {
    const parts = h.name.split('/').filter((p) => p !== '' && p !== '.');
    const base = parts.at(-1);
    if (base === undefined) return;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      throw invalidArgument(`cannot copy ${JSON.stringify(h.name)}: names starting with ${WHITEOUT_PREFIX} are reserved for layer whiteouts`);
    }
    if (options.noOverwriteDirNonDir !== true) return;
    const rel = parts.join('/');
    const isDir = h.type === 'directory';
    let existing = seen.get(rel);
    if (existing === undefined) {
      const parent = await resolveInRoot(destination, parts.slice(0, -1).join('/'));
      if (parent !== undefined) {
        try {
          existing = (await lstat(path.join(parent, base))).isDirectory();
        } catch (err) {
          if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
        }
      }
    }
    seen.set(rel, isDir);
    if (existing === true && !isDir) throw conflict(`cannot overwrite directory ${JSON.stringify(rel)} with non-directory ${JSON.stringify(h.name)}`);
    if (existing === false && isDir) throw conflict(`cannot overwrite non-directory ${JSON.stringify(rel)} with directory ${JSON.stringify(h.name)}`);
  };
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      void (async () => {
        reader.push(chunk);
        for (const h of headers.splice(0)) await check(h);
      })().then(
        () => callback(null, chunk),
        (err: Error) => callback(err),
      );
    },
  });
  pipeline(tar, guard, () => undefined);
  return guard;
}
