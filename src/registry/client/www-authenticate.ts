/** One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its parameters. */
export interface Challenge {
  /** Lowercased: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

const tokenChar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses `Bearer realm="https://auth",service="reg",scope="repository:a:pull"` and the like;
 * several challenges may share one header. Unparseable tails are dropped, never thrown.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < header.length && /[\s,]/.test(header[i] ?? '')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && tokenChar.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  const readValue = (): string => {
    if (header[i] !== '"') {
      // Unquoted: lenient about characters (realms are URLs), up to a comma or space.
      const start = i;
      while (i < header.length && !/[\s,]/.test(header[i] ?? '')) i++;
      return header.slice(start, i);
    }
    i++;
    let value = '';
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  };
  let current: Challenge | undefined;
  while (i < header.length) {
    skipSpace();
    const start = i;
    const name = readToken();
    if (name === '') break;
    let j = i;
    while (j < header.length && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      i = j + 1;
      while (header[i] === ' ') i++;
      current.params[name.toLowerCase()] = readValue();
      continue;
    }
    if (i === start) break;
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
  }
  return challenges;
}
