/**
 * Resource quantities in Kubernetes' canonical form, as the API server stores and returns
 * them: `1024Mi` → `1Gi`, `0.5` → `500m`, `1000` → `1k`, JSON numbers → strings; values
 * are kept to nano precision, rounding up.
 */
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([k, v]) => [v, k]));
const binaryNames = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const nano = 10n ** 9n;
const ceilDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? (a + b - 1n) / b : a / b);

/** Parses a quantity into its value in nano units and its format; undefined when malformed. */
function parse(input: string): { nanos: bigint; format: Format } | undefined {
  const m = /^([+-]?)([0-9]+)?(?:\.([0-9]*))?((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$/.exec(input);
  if (!m || (m[2] === undefined && (m[3] === undefined || m[3] === ''))) return undefined;
  const negative = m[1] === '-';
  const whole = m[2] ?? '0';
  const fraction = m[3] ?? '';
  const suffix = m[4] ?? '';
  const digits = BigInt(whole + fraction);
  const scale = 10n ** BigInt(fraction.length);
  let nanos: bigint;
  let format: Format;
  if (suffix in binarySuffixes) {
    format = 'BinarySI';
    nanos = ceilDiv(digits * 1024n ** BigInt(binarySuffixes[suffix] ?? 0) * nano, scale);
  } else {
    const exponent = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : (decimalSuffixes[suffix] ?? 0);
    format = /^[eE]/.test(suffix) ? 'DecimalExponent' : 'DecimalSI';
    const shift = exponent + 9;
    nanos = shift >= 0 ? (digits * 10n ** BigInt(shift)) / scale : ceilDiv(digits, scale * 10n ** BigInt(-shift));
    if (shift >= 0 && (digits * 10n ** BigInt(shift)) % scale !== 0n) nanos += 1n;
  }
  return { nanos: negative ? -nanos : nanos, format };
}

const textOf = (value: unknown): string => (typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value : '');

/** The value of a quantity in nano units, or undefined when it is not one. */
export function quantityNanos(value: unknown): bigint | undefined {
  return parse(textOf(value))?.nanos;
}

/** The canonical text of a quantity, or undefined when it is not one. */
export function canonicalQuantity(value: unknown): string | undefined {
  const parsed = parse(textOf(value));
  if (!parsed) return undefined;
  const nanos = parsed.nanos;
  let format = parsed.format;
  if (nanos === 0n) return '0';
  const sign = nanos < 0n ? '-' : '';
  let magnitude = nanos < 0n ? -nanos : nanos;
  if (format === 'BinarySI' && (magnitude < 1024n * nano || magnitude % nano !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let units = magnitude / nano;
    let power = 0;
    while (units % 1024n === 0n && power < 6) {
      units /= 1024n;
      power++;
    }
    return `${sign}${units}${binaryNames[power]}`;
  }
  let exponent = -9;
  while (magnitude % 1000n === 0n && exponent < 18) {
    magnitude /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${magnitude}${exponent === 0 ? '' : `e${exponent}`}`;
  return `${sign}${magnitude}${decimalByExponent.get(exponent) ?? ''}`;
}
