/**
 * Label and field selectors with Kubernetes' grammar and error messages
 * (`a=b,c!=d,e in (f,g),h notin (i),j,!k`, and `metadata.name=x,status.phase!=Running`).
 */
import { invalidArgument } from '../../../lib/errors.js';
import type { FieldSelector, LabelSelector } from './index.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

type Token = { kind: 'id' | 'op' | 'end'; text: string };

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      tokens.push({ kind: 'op', text: two });
      i += 2;
    } else if ('!(),=<>'.includes(c)) {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < s.length && !/[\s!(),=<>]/.test(s[j] ?? '')) j++;
      tokens.push({ kind: 'id', text: s.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function fail(message: string): never {
  throw invalidArgument(`unable to parse requirement: ${message}`);
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length > 0) fail(`key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValues(key: string, op: Operator, values: string[]): void {
  if ((op === 'in' || op === 'notin') && values.length === 0) {
    fail("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
  }
  if (op === 'gt' || op === 'lt') {
    if (values.length !== 1 || !/^-?[0-9]+$/.test(values[0] ?? '')) {
      fail(`values[0]: Invalid value: ${JSON.stringify(values[0] ?? '')}: for 'Gt', 'Lt' operators, the value must be an integer`);
    }
    return;
  }
  values.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) fail(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
  });
}

function parseRequirements(s: string): Requirement[] {
  const tokens = lex(s);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { kind: 'end', text: '' };
  const next = (): Token => tokens[pos++] ?? { kind: 'end', text: '' };
  const reqs: Requirement[] = [];
  if (peek().kind === 'end') return reqs;
  for (;;) {
    let negated = false;
    if (peek().text === '!' && peek().kind === 'op') {
      next();
      negated = true;
    }
    const keyTok = next();
    if (keyTok.kind !== 'id') {
      throw invalidArgument(`found '${keyTok.text}', expected: ${negated ? 'identifier after \'!\'' : 'identifier'}`);
    }
    const key = keyTok.text;
    checkKey(key);
    const after = peek();
    if (negated || after.kind === 'end' || after.text === ',') {
      if (negated && after.kind !== 'end' && after.text !== ',') {
        throw invalidArgument(`found '${after.text}', expected: ',' or 'end of string'`);
      }
      reqs.push({ key, op: negated ? '!' : 'exists', values: [] });
    } else {
      const opTok = next();
      let op: Operator;
      if (opTok.kind === 'id' && (opTok.text === 'in' || opTok.text === 'notin')) op = opTok.text;
      else if (opTok.text === '=' || opTok.text === '==' || opTok.text === '!=') op = opTok.text;
      else if (opTok.text === '>') op = 'gt';
      else if (opTok.text === '<') op = 'lt';
      else throw invalidArgument(`found '${opTok.text}', expected: ${binaryOperators.join(', ')}`);
      const values: string[] = [];
      if (op === 'in' || op === 'notin') {
        const open = next();
        if (open.text !== '(') throw invalidArgument(`found '${open.text}', expected: '('`);
        let expectValue = true;
        for (;;) {
          const t = next();
          if (t.text === ')' && t.kind === 'op') {
            break;
          } else if (t.kind === 'id' && expectValue) {
            values.push(t.text);
            expectValue = false;
          } else if (t.text === ',' && t.kind === 'op') {
            if (expectValue) values.push('');
            expectValue = true;
          } else {
            throw invalidArgument(`found '${t.text}', expected: ',', ')' or identifier`);
          }
        }
      } else {
        const v = peek();
        if (v.kind === 'id') values.push(next().text);
        else if (v.kind === 'end' || v.text === ',') values.push('');
        else throw invalidArgument(`found '${v.text}', expected: identifier`);
      }
      checkValues(key, op, values);
      reqs.push({ key, op, values });
    }
    const sep = next();
    if (sep.kind === 'end') return reqs;
    if (sep.text !== ',') throw invalidArgument(`found '${sep.text}', expected: ',' or 'end of string'`);
  }
}

function matchRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value ?? '');
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?[0-9]+$/.test(value ?? '')) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.op === 'gt' ? n > bound : n < bound;
    }
  }
}

function selectorOf(reqs: Requirement[]): LabelSelector {
  return { matches: (labels) => reqs.every((r) => matchRequirement(r, labels ?? {})) };
}

export function parseLabelSelector(s: string): LabelSelector {
  return selectorOf(parseRequirements(s));
}

const expressionOperators: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

function requirementsFromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    checkKey(key);
    checkValues(key, '=', [value]);
    reqs.push({ key, op: '=', values: [value] });
  }
  for (const raw of sel.matchExpressions ?? []) {
    const e = (raw ?? {}) as { key?: unknown; operator?: unknown; values?: unknown };
    const op = expressionOperators[String(e.operator)];
    if (!op) throw invalidArgument(`${JSON.stringify(String(e.operator))} is not a valid label selector operator`);
    const key = String(e.key ?? '');
    checkKey(key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    if ((op === 'exists' || op === '!') && values.length > 0) {
      throw invalidArgument(`values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`);
    }
    checkValues(key, op, values);
    reqs.push({ key, op, values });
  }
  return reqs;
}

/** A metav1.LabelSelector object (matchLabels, matchExpressions); an empty one matches everything. */
export function labelSelectorFromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }): LabelSelector {
  return selectorOf(requirementsFromObject(sel ?? {}));
}

/** The selector as Kubernetes prints it (`app=web,tier in (a,b)`), or `<none>`. */
export function formatLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined): string {
  if (!sel) return '<none>';
  let reqs: Requirement[];
  try {
    reqs = requirementsFromObject(sel);
  } catch {
    return '<error>';
  }
  if (reqs.length === 0) return '<none>';
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
        default:
          return `${r.key}${r.op}${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}

/** Splits on a separator not escaped with a backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function unescapeFieldValue(v: string, whole: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] ?? '';
    if (c === '\\') {
      const n = v[i + 1];
      if (n === undefined || !'\\,='.includes(n)) throw invalidArgument(`invalid field selector: invalid escape sequence in ${JSON.stringify(whole)}`);
      out += n;
      i++;
    } else if (c === '=' || c === ',') {
      throw invalidArgument(`invalid field selector: unescaped ${JSON.stringify(c)} in ${JSON.stringify(whole)}`);
    } else out += c;
  }
  return out;
}

export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldSelector['requirements'] = [];
  const trimmed = s.trim();
  if (trimmed !== '') {
    for (const part of splitUnescaped(trimmed, ',')) {
      const m = /^([^=!]*?)(!=|==|=)(.*)$/s.exec(part);
      if (!m || (m[1] ?? '').trim() === '') throw invalidArgument(`invalid selector: '${s}'; can't understand '${part}'`);
      const field = (m[1] ?? '').trim();
      const value = unescapeFieldValue(m[3] ?? '', part);
      requirements.push({ field, op: m[2] === '!=' ? '!=' : '=', value });
    }
  }
  return {
    requirements,
    matches: (fields) => requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === '=')),
  };
}
