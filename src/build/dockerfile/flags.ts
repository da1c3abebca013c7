import { dockerfileError, type Site } from './errors.js';

/** `string`: one value; `bool`: `--x`, `--x=true|false`; `list`: may repeat. */
export type FlagKind = 'string' | 'bool' | 'list';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface Flags {
  string(name: string): string | undefined;
  bool(name: string): boolean;
  list(name: string): string[];
}

/** Reads one word at `at` (quote-aware, escapes kept); returns it and the index after it. */
function readWord(text: string, at: number, escape: string): [string, number] {
  let i = at;
  let quote = '';
  while (i < text.length) {
    const ch = text.charAt(i);
    if (quote === '' && /\s/.test(ch)) break;
    if (ch === escape && quote !== "'") i++;
    else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
    i++;
  }
  return [text.slice(at, i), i];
}

/**
 * Splits leading `--flag[=value]` words off an instruction's arguments, checks them
 * against what the instruction accepts, and returns them with the remaining text.
 * A bare `--` ends the flags.
 */
export function takeFlags(
  keyword: string,
  args: string,
  spec: FlagSpec,
  escape: string,
  site: Site,
): { flags: Flags; rest: string } {
  const strings = new Map<string, string>();
  const bools = new Map<string, boolean>();
  const lists = new Map<string, string[]>();
  let at = 0;
  for (;;) {
    while (at < args.length && /\s/.test(args.charAt(at))) at++;
    if (!args.startsWith('--', at)) break;
    const [word, next] = readWord(args, at, escape);
    at = next;
    if (word === '--') break;
    const eq = word.indexOf('=');
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    const kind = spec[name];
    if (kind === undefined) throw dockerfileError(site, `unknown flag --${name} for ${keyword}`);
    if (kind === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw dockerfileError(site, `flag --${name} of ${keyword} expects true or false, not ${JSON.stringify(value)}`);
      }
      bools.set(name, value !== 'false');
      continue;
    }
    if (value === undefined) throw dockerfileError(site, `flag --${name} of ${keyword} needs a value (--${name}=…)`);
    if (kind === 'list') {
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else {
      if (strings.has(name)) throw dockerfileError(site, `flag --${name} given twice for ${keyword}`);
      strings.set(name, value);
    }
  }
  const flags: Flags = {
    string: (name) => strings.get(name),
    bool: (name) => bools.get(name) ?? false,
    list: (name) => lists.get(name) ?? [],
  };
  return { flags, rest: args.slice(at).trim() };
}
