import { invalidArgument } from '../../lib/index.js';
import { badPattern, cleanPath, goMatch } from './gopath.js';
import type { IgnoreMatcher } from './index.js';

/*
 * `.dockerignore` as the docker CLI and moby/patternmatcher read it: `#` comment lines,
 * whitespace trimmed, patterns cleaned like paths with a leading `/` dropped, `!` marking
 * an exception. A path is excluded when the last pattern that matches it, or one of its
 * parent directories, is not an exception. Patterns use Go's filepath.Match syntax plus
 * `**`, which matches any number of directories (including none).
 */

const BOM = '\uFEFF';

/** Parses `.dockerignore` text; malformed patterns are errors naming their line. */
export function loadDockerignore(text: string): IgnoreMatcher {
  const lines = (text.startsWith(BOM) ? text.slice(1) : text).split(/\r?\n/);
  const patterns: string[] = [];
  lines.forEach((line, index) => {
    if (line.startsWith('#')) return;
    let pattern = line.trim();
    if (pattern === '') return;
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    if (exception && pattern === '') throw invalidArgument(`.dockerignore line ${index + 1}: illegal exclusion pattern: "!"`);
    patterns.push(exception ? `!${pattern}` : pattern);
  });
  try {
    return new PatternMatcher(patterns);
  } catch (err) {
    throw invalidArgument(`.dockerignore: ${(err as Error).message}`, err);
  }
}

/** A matcher over patterns already in `.dockerignore` form (`!` for exceptions). */
export function patternMatcher(patterns: readonly string[]): IgnoreMatcher {
  return new PatternMatcher(patterns);
}

interface Pattern {
  exception: boolean;
  match(path: string): boolean;
}

class PatternMatcher implements IgnoreMatcher {
  private readonly compiled: Pattern[];
  /** Whether some pattern is an exception: then an excluded directory may hold included files. */
  readonly hasExceptions: boolean;

  constructor(readonly patterns: readonly string[]) {
    this.compiled = [];
    for (const raw of patterns) {
      let pattern = raw.trim();
      if (pattern === '') continue;
      pattern = cleanPath(pattern);
      const exception = pattern.startsWith('!');
      if (exception) {
        if (pattern.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
        pattern = pattern.slice(1);
      }
      // Syntax check, as patternmatcher does: Go's Match reports malformed patterns.
      goMatch(pattern, '.');
      this.compiled.push({ exception, match: compile(pattern) });
    }
    this.hasExceptions = this.compiled.some((p) => p.exception);
  }

  excludes(relPath: string): boolean {
    const file = cleanPath(relPath);
    if (file === '.') return false;
    const slash = file.lastIndexOf('/');
    const parents = slash <= 0 ? [] : file.slice(0, slash).split('/');
    let matched = false;
    for (const pattern of this.compiled) {
      // An inclusion cannot change an excluded path, nor an exception an included one.
      if (pattern.exception !== matched) continue;
      let match = pattern.match(file);
      for (let i = 1; !match && i <= parents.length; i++) match = pattern.match(parents.slice(0, i).join('/'));
      if (match) matched = !pattern.exception;
    }
    return matched;
  }
}

const REGEXP_ESCAPED = new Set([...'.+()|{}$']);

/** Turns a cleaned pattern into a predicate, following patternmatcher's translation. */
function compile(pattern: string): (path: string) => boolean {
  const chars = [...pattern];
  let source = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        const first = i === 0;
        i++;
        // `**/` is `**`.
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          // A trailing `**` matches everything below, as in .gitignore.
          if (kind === 'exact') kind = 'prefix';
          else {
            source += '.*';
            kind = 'regexp';
          }
        } else {
          source += '(.*/)?';
          kind = 'regexp';
        }
        if (first) kind = 'suffix';
      } else {
        source += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      source += '[^/]';
      kind = 'regexp';
    } else if (REGEXP_ESCAPED.has(ch)) {
      source += `\\${ch}`;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) source += '\\\\';
      else {
        source += literal(next);
        i++;
        kind = 'regexp';
      }
    } else if (ch === '[') {
      inClass = true;
      source += ch;
      kind = 'regexp';
    } else if (ch === ']') {
      // A ']' outside a class is a plain character (Go's regexp takes it so; JS does not).
      source += inClass ? ']' : '\\]';
      inClass = false;
      kind = 'regexp';
    } else {
      source += ch;
    }
  }
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      // `**/foo` also matches `foo` itself.
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      let re: RegExp;
      try {
        re = new RegExp(`${source}$`, 'u');
      } catch {
        throw badPattern(pattern);
      }
      return (path) => re.test(path);
    }
  }
}

/** A character that must match itself inside a regular expression. */
function literal(ch: string): string {
  return /[\p{L}\p{N}_]/u.test(ch) ? ch : `\\${ch}`;
}
