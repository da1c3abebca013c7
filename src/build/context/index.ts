/**
 * The build context and the COPY/ADD semantics of Docker's classic builder.
 *
 * loadDockerignore and packContext are what the CLI uses: they stay light (no engine,
 * no layers). The daemon side (extractContext, copySources, digestSources) is loaded on
 * first use, so importing this module costs the CLI nothing it does not call.
 */
import type { Readable } from 'node:stream';
import { resolveScoped } from './scoped.js';

/** `.dockerignore` rules, as moby/patternmatcher applies them. */
export interface IgnoreMatcher {
  /** Whether `relPath` (relative to the context root, `/`-separated) is left out. */
  excludes(relPath: string): boolean;
  /** The cleaned patterns, in file order (`!` kept on exceptions). */
  readonly patterns: readonly string[];
}

/** An uploaded context extracted into `root`, with the ignore rules of its `.dockerignore`. */
export interface BuildContextDir {
  root: string;
  ignore: IgnoreMatcher;
}

/** Where the bytes of a remote ADD source come from; the builder supplies the HTTP client. */
export type FetchRemote = (url: string) => Promise<{ body: Readable; lastModified?: Date; fileName: string }>;

export interface CopySpec {
  kind: 'COPY' | 'ADD';
  /** The context directory, or a stage's / image's root filesystem for `--from`. */
  sourceRoot: string;
  /** True for the build context: copied files are owned by 0:0 unless `chown` says otherwise. */
  fromContext: boolean;
  /** Sources as written (after variable expansion): relative to sourceRoot, wildcards allowed. */
  sources: string[];
  /** Destination as written: relative to `workdir` unless absolute. */
  dest: string;
  /** The step's WORKDIR (absolute, inside the target). */
  workdir: string;
  /** The root filesystem the step writes into (copySources only: digests never read it). */
  targetRoot: string;
  /** `--chown=user[:group]`: names resolved through targetRoot's /etc/passwd and /etc/group. */
  chown?: string;
  /** `--chmod=` octal mode. */
  chmod?: string;
  /**
   * Inline documents (`COPY <<EOF /dest`): each becomes a file of that name, mode 0644
   * (unless `chmod`) and owned by root (unless `chown`), copied after `sources`.
   */
  documents?: InlineDocument[];
  /** Files it excludes are invisible to the copy (the context's .dockerignore). */
  ignore?: IgnoreMatcher;
  /** Needed for ADD of an http(s) URL. */
  fetch?: FetchRemote;
  /**
   * An identity of sourceRoot's content that changes whenever it does (the image ID of a
   * `--from` stage or image; never set it for a context). With it, digests are remembered
   * by that identity, as Docker's classic builder remembers source hashes by image ID.
   */
  sourceKey?: string;
}

/** A heredoc's body to be written as a file (its name is the heredoc's delimiter). */
export interface InlineDocument {
  name: string;
  content: string;
}

export interface CopyResult {
  /** Cache key of what was copied: `sha256:<hex>`. Equal to digestSources' for the same spec. */
  digest: string;
  /**
   * History part Docker's classic builder writes after the instruction name:
   * `[--chown=<chown> ][--chmod=<chmod> ]file:<hex> in <dest> ` (or dir:, multi:), dest
   * as written; the flags in the order BuildKit writes them.
   */
  createdBy: string;
}

export { loadDockerignore } from './dockerignore.js';
export { copyFlags } from './history.js';

/**
 * The host path of `relPath` inside a context (or any root), with symlinks followed as
 * if `root` were `/` (Docker's FollowSymlinkInScope): a Dockerfile that is a link to
 * /etc/shadow reads `<root>/etc/shadow`, never the host's. Missing components stay as
 * they are, so the caller sees ENOENT.
 */
export function contextPath(root: string, relPath: string): string {
  return resolveScoped(root, relPath);
}
export { packContext, type PackExtra } from './pack.js';

/** Extracts an uploaded context (tar: plain, gzip, bzip2 or xz) into `dir`, which must exist. */
export async function extractContext(tar: Readable, dir: string): Promise<BuildContextDir> {
  const { extractContext: extract } = await import('./extract.js');
  return extract(tar, dir);
}

/**
 * Performs a COPY or ADD into spec.targetRoot. Errors are BerthErrors (invalid argument,
 * not found) with Docker's messages; after one, the target may be half written (the
 * builder discards the step's container).
 */
export async function copySources(spec: CopySpec): Promise<CopyResult> {
  const { copySources: copy } = await import('./copy.js');
  return copy(spec);
}

/**
 * The digest copySources would return, computed without copying (for cache lookups):
 * file contents are hashed once per (path, device, inode, size, mtime, ctime) per process.
 * A remote ADD source is downloaded to be hashed.
 */
export async function digestSources(spec: CopySpec): Promise<string> {
  const { digestSources: digest } = await import('./copy.js');
  return digest(spec);
}

/**
 * The digest a spec with `sourceKey` was last given by digestSources or copySources, or
 * undefined: lets the builder skip mounting a `--from` source on a cache check. Roots and
 * `fetch` play no part.
 */
export async function rememberedDigest(spec: Omit<CopySpec, 'sourceRoot' | 'targetRoot'>): Promise<string | undefined> {
  const { rememberedDigest: remembered } = await import('./copy.js');
  return remembered(spec);
}
