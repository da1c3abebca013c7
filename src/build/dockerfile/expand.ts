import { invalidArgument } from '../../lib/index.js';

/** Variables visible to an expansion. */
export type EnvLookup = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface ExpandOptions {
  /** The Dockerfile's escape character (`\` unless `# escape=` said otherwise). */
  escape?: string;
}

function lookup(env: EnvLookup, name: string): string | undefined {
  if (env instanceof Map) return env.get(name);
  const record = env as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text.charAt(this.pos);
  }
  next(): string {
    return this.text.charAt(this.pos++);
  }
}

const nameChar = /[A-Za-z0-9_]/;

/**
 * Expands one Dockerfile word as the builder does for ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR (and ARG defaults): `$A`, `${A}`, `${A:-x}`, `${A-x}`,
 * `${A:+x}`, `${A+x}`, `${A:?msg}`, `${A?msg}`; single quotes keep text literal, double
 * quotes allow expansion; the escape character makes the next character literal. Quotes
 * and escapes are removed from the result. Unset variables expand to the empty string.
 * Throws an invalid-argument error (without position; callers add file:line).
 */
export function expand(word: string, env: EnvLookup, options: ExpandOptions = {}): string {
  const cursor = new Cursor(word);
  const out = processWord(cursor, env, options.escape ?? '\\', '');
  return out;
}

function processWord(c: Cursor, env: EnvLookup, escape: string, stop: string): string {
  let out = '';
  while (!c.done) {
    const ch = c.peek();
    if (stop !== '' && ch === stop) break;
    c.next();
    if (ch === "'") {
      const end = c.text.indexOf("'", c.pos);
      if (end < 0) throw invalidArgument(`unexpected end of text looking for matching single quote in ${JSON.stringify(c.text)}`);
      out += c.text.slice(c.pos, end);
      c.pos = end + 1;
    } else if (ch === '"') {
      out += processDoubleQuoted(c, env, escape);
    } else if (ch === '$') {
      out += processDollar(c, env, escape);
    } else if (ch === escape) {
      if (!c.done) out += c.next();
    } else {
      out += ch;
    }
  }
  return out;
}

function processDoubleQuoted(c: Cursor, env: EnvLookup, escape: string): string {
  let out = '';
  for (;;) {
    if (c.done) throw invalidArgument(`unexpected end of text looking for matching double quote in ${JSON.stringify(c.text)}`);
    const ch = c.next();
    if (ch === '"') return out;
    if (ch === '$') {
      out += processDollar(c, env, escape);
    } else if (ch === escape && (c.peek() === '"' || c.peek() === '$' || c.peek() === escape)) {
      out += c.next();
    } else {
      out += ch;
    }
  }
}

function readName(c: Cursor): string {
  let name = '';
  while (!c.done && nameChar.test(c.peek())) name += c.next();
  return name;
}

function processDollar(c: Cursor, env: EnvLookup, escape: string): string {
  if (c.peek() !== '{') {
    if (c.done || !nameChar.test(c.peek())) return '$';
    return lookup(env, readName(c)) ?? '';
  }
  c.next();
  const name = readName(c);
  if (name === '') throw invalidArgument(`bad substitution in ${JSON.stringify(c.text)}: missing variable name after \${`);
  let op = c.next();
  if (op === '}') return lookup(env, name) ?? '';
  const colon = op === ':';
  if (colon) op = c.next();
  if (op !== '-' && op !== '+' && op !== '?') {
    const found = op === '' ? "missing '}'" : `unsupported modifier '${colon ? ':' : ''}${op}'`;
    throw invalidArgument(`bad substitution in ${JSON.stringify(c.text)}: ${found} in \${${name}…}`);
  }
  const alt = processWord(c, env, escape, '}');
  if (c.next() !== '}') throw invalidArgument(`bad substitution in ${JSON.stringify(c.text)}: missing '}'`);
  const value = lookup(env, name);
  const present = colon ? value !== undefined && value !== '' : value !== undefined;
  switch (op) {
    case '-':
      return present ? (value ?? '') : alt;
    case '+':
      return present ? alt : '';
    case '?':
      if (present) return value ?? '';
      throw invalidArgument(`${name}: ${alt === '' ? (colon ? 'is not allowed to be unset or empty' : 'is not allowed to be unset') : alt}`);
  }
}

/** Expands each word, then splits the results on whitespace (EXPOSE `$PORTS`). */
export function expandWords(words: readonly string[], env: EnvLookup, options: ExpandOptions = {}): string[] {
  return words.flatMap((w) => expand(w, env, options).split(/\s+/).filter((s) => s !== ''));
}

/**
 * Expands a heredoc body whose delimiter was not quoted, as a shell does: `$` expansions
 * apply, the escape character only escapes `$` and itself, and quotes stay as written.
 */
export function expandHeredoc(content: string, env: EnvLookup, options: ExpandOptions = {}): string {
  const escape = options.escape ?? '\\';
  const c = new Cursor(content);
  let out = '';
  while (!c.done) {
    const ch = c.next();
    if (ch === escape && (c.peek() === '$' || c.peek() === escape)) out += c.next();
    else if (ch === '$') out += processDollar(c, env, escape);
    else out += ch;
  }
  return out;
}
