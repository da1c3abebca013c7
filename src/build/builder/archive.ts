import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../../engine/index.js';
import { invalidArgument, isErrno } from '../../lib/index.js';
import { contextPath, extractContext } from '../context/index.js';
import { Builder } from './builder.js';
import type { BuildOutput, BuildRequest, BuildResult } from './types.js';

/** Where uploaded contexts are extracted, under the engine root (same file system as the snapshots). */
const buildTmp = (root: string): string => path.join(root, 'tmp');

/**
 * Removes contexts a build never cleaned up (the daemon was killed during it). Call at
 * start-up, while no build runs: one process owns a root.
 */
export async function removeStaleBuildDirs(engineRoot: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(buildTmp(engineRoot));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const name of names) if (name.startsWith('build-')) await rm(path.join(buildTmp(engineRoot), name), { recursive: true, force: true });
}

export type ArchiveBuildOptions = Omit<BuildRequest, 'dockerfile' | 'dockerfileName' | 'context'> & {
  /** Path of the Dockerfile inside the context (`Dockerfile` by default). */
  dockerfile?: string;
};

/**
 * A build from an uploaded context (what `POST /build` receives): the tar is extracted
 * into a private directory under the engine root, the Dockerfile read from it, the build
 * run, and the directory removed whatever happens.
 */
export async function buildFromArchive(engine: Engine, archive: Readable, options: ArchiveBuildOptions, out: BuildOutput): Promise<BuildResult> {
  const tmp = buildTmp(engine.root);
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(tmp, 'build-'));
  try {
    const contextDir = path.join(dir, 'context');
    await mkdir(contextDir, { mode: 0o755 });
    const context = await extractContext(archive, contextDir);
    const name = options.dockerfile === undefined || options.dockerfile === '' ? 'Dockerfile' : options.dockerfile;
    const lexical = path.resolve(context.root, name);
    if (!lexical.startsWith(context.root + path.sep)) throw invalidArgument(`the Dockerfile (${name}) must be within the build context`);
    // Links in the uploaded context are followed only inside it: a Dockerfile linking to a host file reads nothing of the host.
    const file = contextPath(context.root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) throw invalidArgument(`Cannot locate specified Dockerfile: ${name}`, err);
      throw err;
    }
    return await new Builder(engine, { ...options, dockerfile: text, dockerfileName: name, context }, out).run();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
