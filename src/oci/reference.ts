import { invalidArgument } from '../lib/index.js';
import { parseDigest, type Digest } from './digest.js';

/**
 * Image references normalised as Docker does (distribution/reference's ParseNormalizedNamed):
 * `busybox` is `docker.io/library/busybox`, `user/img` is `docker.io/user/img`.
 */
export interface Repository {
  /** Registry host, with port if any: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`. */
  path: string;
}

export interface Reference extends Repository {
  tag?: string;
  digest?: Digest;
}

export const defaultDomain = 'docker.io';
export const defaultTag = 'latest';
const legacyDefaultDomain = 'index.docker.io';
const officialRepoPrefix = 'library/';
/** Limit on `domain/path`, counted after normalisation as Docker does. */
export const nameTotalLengthMax = 255;

const tagPattern = /^[\w][\w.-]{0,127}$/;
// A path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`.
const pathComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const imageIdPattern = /^[a-f0-9]{64}$/;

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

/** Splits the first component off as a registry only when it looks like a host. */
function splitDomain(name: string): Repository {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const looksLikeHost =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = looksLikeHost ? first : defaultDomain;
  let path = looksLikeHost ? name.slice(slash + 1) : name;
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = officialRepoPrefix + path;
  return { domain, path };
}

function checkRepository(input: string, repo: Repository): void {
  const bad = (why: string): Error => invalidArgument(`invalid reference ${JSON.stringify(input)}: ${why}`);
  if (!domainPattern.test(repo.domain)) throw bad(`invalid registry host ${JSON.stringify(repo.domain)}`);
  if (repo.path.toLowerCase() !== repo.path) throw bad(`repository name ${JSON.stringify(repo.path)} must be lowercase`);
  for (const component of repo.path.split('/')) {
    if (component === '') throw bad('empty path component');
    if (!pathComponentPattern.test(component)) {
      throw bad(
        `invalid path component ${JSON.stringify(component)}: use lowercase letters and digits, separated by ".", "_", "__" or "-"`,
      );
    }
  }
  const length = repo.domain.length + 1 + repo.path.length;
  if (length > nameTotalLengthMax) throw bad(`repository name is ${length} characters, more than ${nameTotalLengthMax}`);
}

/**
 * Parses `[host[:port]/]path[:tag][@digest]` and normalises it. No default tag is added:
 * see `withDefaultTag`. Refuses, with the reason, anything Docker would refuse.
 */
export function parseReference(input: string): Reference {
  const bad = (why: string): Error => invalidArgument(`invalid reference ${JSON.stringify(input)}: ${why}`);
  if (input === '') throw bad('empty reference');
  // Docker reserves bare 64-hex strings for image IDs so they can never be mistaken for names.
  if (imageIdPattern.test(input)) throw bad('a 64-character hexadecimal string is an image ID, not a repository name');

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const text = rest.slice(at + 1);
    try {
      digest = parseDigest(text).digest;
    } catch {
      throw bad(`invalid digest ${JSON.stringify(text)}`);
    }
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw bad(`invalid tag ${JSON.stringify(tag)}: use up to 128 of [A-Za-z0-9_.-], not starting with "." or "-"`);
  }
  if (rest === '') throw bad('missing repository name');

  const repo = splitDomain(rest);
  checkRepository(input, repo);
  const ref: Reference = { domain: repo.domain, path: repo.path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Parses a repository name that must carry neither tag nor digest. */
export function parseRepository(input: string): Repository {
  const ref = parseReference(input);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw invalidArgument(`invalid repository name ${JSON.stringify(input)}: must not include a tag or digest`);
  }
  return { domain: ref.domain, path: ref.path };
}

/** `docker.io/library/busybox`: the repository without tag or digest. */
export function normalizedName(ref: Repository): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full form: `docker.io/library/busybox:latest`, `host/a@sha256:…`. */
export function formatReference(ref: Reference): string {
  return normalizedName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The repository as users type it: `busybox`, `user/img`, `localhost:5000/a`. */
export function familiarRepository(ref: Repository): string {
  if (ref.domain !== defaultDomain) return normalizedName(ref);
  if (ref.path.startsWith(officialRepoPrefix)) {
    const short = ref.path.slice(officialRepoPrefix.length);
    // Only single-level official names are shortened; `library/a/b` keeps its prefix.
    if (!short.includes('/')) return short;
  }
  return ref.path;
}

/** The reference as `docker images` and `docker ps` show it: `busybox:latest`, `user/img:1`. */
export function familiarName(ref: Reference): string {
  return familiarRepository(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Adds `:latest` when the reference names neither a tag nor a digest. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: defaultTag } : { ...ref };
}

export function withTag(ref: Repository, tag: string): Reference {
  if (!isValidTag(tag)) throw invalidArgument(`invalid tag ${JSON.stringify(tag)}`);
  return { domain: ref.domain, path: ref.path, tag };
}

export function withDigest(ref: Reference, digest: string): Reference {
  return { ...ref, digest: parseDigest(digest).digest };
}

/** `busybox` → `docker.io/library/busybox:latest`: parse, normalise, default the tag. */
export function normalizeReference(input: string): string {
  return formatReference(withDefaultTag(parseReference(input)));
}
