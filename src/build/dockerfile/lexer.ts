import type { Directives, Heredoc, LineRange } from './ast.js';
import { dockerfileError } from './errors.js';
import { splitWords } from './words.js';

/** One instruction as written: continuations joined, comments dropped, heredocs read. */
export interface LogicalLine {
  /** The instruction keyword as written (case preserved). */
  keyword: string;
  /** Everything after the keyword, trimmed. */
  args: string;
  range: LineRange;
  /** Keyword and arguments as one line. */
  original: string;
  heredocs: Heredoc[];
}

export interface LexResult {
  directives: Directives;
  lines: LogicalLine[];
}

const directivePattern = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const knownDirectives = new Set(['syntax', 'escape', 'check']);
/** Instructions whose arguments may open heredocs. */
const heredocKeywords = new Set(['RUN', 'COPY', 'ADD']);

/**
 * Parser directives: `# key=value` lines at the very top. The first line that is not a
 * known directive (a blank line, another comment, an unknown directive, an instruction)
 * ends them; a later `# escape=` is an ordinary comment.
 */
function readDirectives(lines: readonly string[], file: string): Directives {
  const directives: Directives = { escape: '\\' };
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = directivePattern.exec(lines[i] ?? '');
    if (!m) break;
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (!knownDirectives.has(key)) break;
    if (seen.has(key)) throw dockerfileError({ file, line: i + 1 }, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw dockerfileError({ file, line: i + 1 }, `invalid escape token '${value}': must be \\ or \``);
      }
      directives.escape = value;
    } else if (key === 'syntax') {
      directives.syntax = value;
    } else {
      directives.check = value;
    }
  }
  return directives;
}

const isCommentOrBlank = (line: string): boolean => {
  const t = line.trimStart();
  return t === '' || t.startsWith('#');
};

/** Heredoc openers among the words of an instruction's arguments, in order. */
function heredocMarkers(args: string, escape: string): Omit<Heredoc, 'content'>[] {
  const out: Omit<Heredoc, 'content'>[] = [];
  for (const word of splitWords(args, escape)) {
    const m = /^(\d*)<<(-?)([^<]+)$/.exec(word);
    if (!m) continue;
    const [, fd = '', dash = '', rawName = ''] = m;
    const quoted = /["']/.test(rawName);
    const name = rawName.replace(/["']/g, '');
    if (name === '') continue;
    const marker: Omit<Heredoc, 'content'> = { name, expand: !quoted, chomp: dash === '-' };
    if (fd !== '') marker.fd = Number(fd);
    out.push(marker);
  }
  return out;
}

/**
 * Turns Dockerfile text into logical lines. Rules (Docker's): comments are lines whose
 * first non-blank character is `#`, and are dropped even inside a continuation; the escape
 * character followed only by blanks at the end of a line continues it, and the next line
 * is appended as is (no space inserted); blank lines inside a continuation are skipped.
 * A continuation still open at the end of the file ends the instruction.
 */
export function lex(text: string, file: string): LexResult {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const directives = readDirectives(lines, file);
  const esc = directives.escape === '\\' ? '\\\\' : '`';
  const continuation = new RegExp(`${esc}[ \\t]*$`);
  const strip = (line: string): [string, boolean] => {
    const m = continuation.exec(line);
    return m ? [line.slice(0, m.index), true] : [line, false];
  };

  const out: LogicalLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i] ?? '';
    if (isCommentOrBlank(first)) {
      i++;
      continue;
    }
    const start = i + 1;
    let [joined, open] = strip(first.trimStart());
    i++;
    while (open && i < lines.length) {
      const next = lines[i] ?? '';
      i++;
      if (isCommentOrBlank(next)) continue;
      const [piece, more] = strip(next);
      joined += piece;
      open = more;
    }
    const original = joined.trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(original);
    const keyword = m?.[1] ?? original;
    const args = (m?.[2] ?? '').trim();
    const heredocs: Heredoc[] = [];
    if (heredocKeywords.has(keyword.toUpperCase())) {
      for (const marker of heredocMarkers(args, directives.escape)) {
        let content = '';
        let closed = false;
        while (i < lines.length) {
          const raw = lines[i] ?? '';
          i++;
          const line = marker.chomp ? raw.replace(/^\t+/, '') : raw;
          if (line === marker.name) {
            closed = true;
            break;
          }
          content += `${line}\n`;
        }
        if (!closed) {
          throw dockerfileError({ file, line: start }, `unterminated heredoc: no line "${marker.name}" closes <<${marker.chomp ? '-' : ''}${marker.name}`);
        }
        heredocs.push({ ...marker, content });
      }
    }
    out.push({ keyword, args, range: { start, end: i }, original, heredocs });
  }
  return { directives, lines: out };
}
