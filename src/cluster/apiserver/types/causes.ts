/**
 * Field errors as Kubernetes reports them: a reason, the field path and a message body
 * (`Invalid value: "Foo": …`). The Status message joins them as `<field>: <body>`.
 */
import type { FieldCause } from './index.js';

/** A value already rendered the way Go would print it. */
export class GoValue {
  constructor(readonly text: string) {}
}

const isStringMap = (v: object): v is Record<string, string> => !Array.isArray(v) && Object.keys(v).length > 0 && Object.values(v).every((x) => typeof x === 'string');

/** Go's %#v of a map decoded from JSON (`map[string]interface {}{"name":"x"}`). */
export function goInterfaceMap(v: Record<string, unknown>): GoValue {
  return new GoValue(`map[string]interface {}{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`).join(', ')}}`);
}

/** Renders a value the way Kubernetes' field errors print it: strings quoted, nil as "null", string lists and maps as Go literals. */
export function quoteValue(value: unknown): string {
  if (value instanceof GoValue) return value.text;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return `[]string{${value.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (typeof value === 'object' && isStringMap(value)) {
    return `map[string]string{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Collects causes while validating one object. */
export class Causes {
  readonly list: FieldCause[] = [];

  required(field: string, detail = ''): void {
    this.list.push({ field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' });
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.list.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${quoteValue(value)}${detail ? `: ${detail}` : ''}` });
  }
  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    this.list.push({ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${quoteValue(value)}: supported values: ${list}` });
  }
  duplicate(field: string, value: unknown): void {
    this.list.push({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${quoteValue(value)}` });
  }
  forbidden(field: string, detail: string): void {
    this.list.push({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` });
  }
  tooLong(field: string, max: number): void {
    this.list.push({ field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes` });
  }
  typeInvalid(field: string, value: unknown, detail: string): void {
    this.list.push({ field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${quoteValue(value)}: ${detail}` });
  }
  notFound(field: string, value: unknown): void {
    this.list.push({ field, reason: 'FieldValueNotFound', message: `Not found: ${quoteValue(value)}` });
  }
  /** Adds each message of a name/label check as an Invalid cause. */
  check(field: string, value: unknown, messages: string[]): void {
    for (const m of messages) this.invalid(field, value, m);
  }
  immutable(field: string, value: unknown): void {
    this.invalid(field, value, 'field is immutable');
  }
}

/** The message Kubernetes puts in a 422 Status: `Pod "x" is invalid: [a: …, b: …]`. */
export function invalidMessage(kind: string, name: string, causes: readonly FieldCause[]): string {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const body = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return `${kind} ${JSON.stringify(name)} is invalid: ${body}`;
}

/** An int-or-percent such as maxSurge or minAvailable: a non-negative number or `N%` with N ≤ 100. */
export function intOrPercent(v: unknown, path: string, causes: Causes): void {
  if (typeof v === 'number') {
    if (v < 0) causes.invalid(path, v, 'must be greater than or equal to 0');
  } else if (typeof v === 'string') {
    const m = /^([0-9]+)%$/.exec(v);
    if (!m) causes.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    else if (Number(m[1]) > 100) causes.invalid(path, v, 'must not be greater than 100%');
  }
}
