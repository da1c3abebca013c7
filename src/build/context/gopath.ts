import { invalidArgument } from '../../lib/index.js';

/*
 * Go's path.Clean and path/filepath.Match, which Docker's builder and .dockerignore rules
 * are defined by. Written from the Go documentation: behaviour on malformed patterns
 * matters, because Docker reports them as errors.
 */

/** Go's path.Clean: the shortest equivalent path ('' becomes '.'). */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Thrown for a malformed pattern, as Go's filepath.ErrBadPattern. */
export function badPattern(pattern: string): Error {
  return invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`);
}

/** Whether a source path has wildcards, as the classic builder decides (`\` escapes). */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * Go's filepath.Match on Unix: `*` is any run of non-`/` characters, `?` one non-`/`
 * character, `[...]` a class (`^` negates, `a-z` ranges, `\` escapes), `\c` is `c`.
 * The whole pattern must match the whole name. A malformed pattern throws (badPattern),
 * even when the name already failed to match, as Go does since 1.16.
 */
export function goMatch(pattern: string, name: string): boolean {
  const pat = [...pattern];
  const str = [...name];
  const ok = matchFrom(pat, 0, str, 0, pattern);
  if (!ok) validate(pat, pattern);
  return ok;
}

function matchFrom(pat: string[], p: number, str: string[], s: number, raw: string): boolean {
  while (p < pat.length) {
    const ch = pat[p] as string;
    if (ch === '*') {
      // Collapse a run of stars; then try every split that does not cross a '/'.
      while (p < pat.length && pat[p] === '*') p++;
      if (p === pat.length) return !str.slice(s).includes('/');
      for (let i = s; i <= str.length; i++) {
        if (matchFrom(pat, p, str, i, raw)) return true;
        if (i < str.length && str[i] === '/') return false;
      }
      return false;
    }
    if (s >= str.length) return false;
    const c = str[s] as string;
    if (ch === '?') {
      if (c === '/') return false;
      p++;
      s++;
      continue;
    }
    if (ch === '[') {
      const cls = parseClass(pat, p, raw);
      // Unlike '*' and '?', a class may match '/' (as in Go).
      if (cls.matches(c) === cls.negated) return false;
      p = cls.end;
      s++;
      continue;
    }
    let literal = ch;
    if (ch === '\\') {
      if (p + 1 >= pat.length) throw badPattern(raw);
      literal = pat[p + 1] as string;
      p++;
    }
    if (c !== literal) return false;
    p++;
    s++;
  }
  return s === str.length;
}

interface CharClass {
  negated: boolean;
  matches(c: string): boolean;
  /** Index just past the closing ']'. */
  end: number;
}

function parseClass(pat: string[], start: number, raw: string): CharClass {
  let p = start + 1;
  let negated = false;
  if (pat[p] === '^') {
    negated = true;
    p++;
  }
  const ranges: [string, string][] = [];
  let first = true;
  for (;;) {
    if (p >= pat.length) throw badPattern(raw);
    if (pat[p] === ']' && !first) {
      p++;
      break;
    }
    first = false;
    const [lo, afterLo] = classChar(pat, p, raw);
    p = afterLo;
    let hi = lo;
    if (pat[p] === '-') {
      [hi, p] = classChar(pat, p + 1, raw);
    }
    ranges.push([lo, hi]);
  }
  return {
    negated,
    matches: (c) => ranges.some(([lo, hi]) => lo <= c && c <= hi),
    end: p,
  };
}

function classChar(pat: string[], p: number, raw: string): [string, number] {
  const ch = pat[p];
  if (ch === undefined || ch === '-' || ch === ']') throw badPattern(raw);
  if (ch === '\\') {
    const next = pat[p + 1];
    if (next === undefined) throw badPattern(raw);
    return [next, p + 2];
  }
  return [ch, p + 1];
}

/** Throws if the rest of a pattern is malformed (Go checks it even after a mismatch). */
function validate(rest: string[], raw: string): void {
  for (let p = 0; p < rest.length; ) {
    const ch = rest[p];
    if (ch === '[') p = parseClass(rest, p, raw).end;
    else if (ch === '\\') {
      if (p + 1 >= rest.length) throw badPattern(raw);
      p += 2;
    } else p++;
  }
}
