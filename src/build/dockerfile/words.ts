/**
 * Splitting an argument string into words the way the Dockerfile parser does before any
 * expansion: whitespace separates words except inside quotes or after the escape
 * character. Quotes and escapes stay in the words; `expand` removes them later.
 */
export function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quote === '' && /\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      word += text.charAt(++i);
    } else if (quote === '' && (ch === '"' || ch === "'")) {
      quote = ch;
    } else if (ch === quote) {
      quote = '';
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Outcome of reading an argument that may be a JSON array of strings. */
export type MaybeJson = { json: true; values: string[] } | { json: false } | { json: 'not-strings' };

/**
 * Docker's rule: text that parses as a JSON array of strings is exec form; anything that
 * does not parse (even if it starts with `[`) is shell form; an array holding something
 * other than strings is an error the caller reports.
 */
export function parseJsonArray(text: string): MaybeJson {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return { json: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { json: false };
  }
  if (!Array.isArray(parsed)) return { json: false };
  const values: string[] = [];
  for (const v of parsed as unknown[]) {
    if (typeof v !== 'string') return { json: 'not-strings' };
    values.push(v);
  }
  return { json: true, values };
}
