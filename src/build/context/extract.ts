import { readdir, readFile, realpath, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isErrno } from '../../lib/index.js';
import { openArchive } from './decompress.js';
import { loadDockerignore } from './dockerignore.js';
import type { BuildContextDir } from './index.js';
import { resolveScoped } from './scoped.js';
import { untar } from './untar.js';

const DOCKERIGNORE = '.dockerignore';

/**
 * Extracts an uploaded build context into `dir` (an existing, empty directory) as Docker
 * does (see untar): no entry can land outside `dir`. Owners and modes are kept (COPY
 * decides the owners later). On failure `dir` is emptied again.
 */
export async function extractContext(tar: Readable, dir: string): Promise<BuildContextDir> {
  const root = await realpath(dir);
  try {
    await untar(await openArchive(tar), root);
    return { root, ignore: await readDockerignore(root) };
  } catch (err) {
    tar.destroy();
    for (const name of await readdir(root)) await rm(`${root}/${name}`, { recursive: true, force: true });
    throw err;
  }
}

/** The context's `.dockerignore` rules (none when it has no such file). */
async function readDockerignore(root: string): Promise<ReturnType<typeof loadDockerignore>> {
  let text = '';
  try {
    // Scoped: a .dockerignore that is a link must not read a file outside the context.
    text = await readFile(resolveScoped(root, DOCKERIGNORE), 'utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'EISDIR') && !isErrno(err, 'ENOTDIR')) throw err;
  }
  return loadDockerignore(text);
}
