const unitNs: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parses a duration written as Docker's flags take it (`30s`, `1m30s`, `1.5h`, `250ms`,
 * `0`) into nanoseconds. Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) return undefined;
    const [, amount = '', unit = ''] = m;
    total += Number(amount) * (unitNs[unit] ?? 0);
    at = part.lastIndex;
  }
  return Math.round(total);
}
