/**
 * The JSONPath subset CRD printer columns and selectable fields use: `.spec.replicas`,
 * `.items[0].name`, `.list[*].x`, `['dotted.key']`, `.conditions[?(@.type=="Ready")].status`,
 * optionally wrapped in `{…}`.
 */
import { invalidArgument } from '../../../lib/errors.js';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: unknown };

export function parseJSONPath(expr: string): Step[] {
  let e = expr.trim();
  if (e.startsWith('{') && e.endsWith('}')) e = e.slice(1, -1).trim();
  if (e.startsWith('$')) e = e.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const bad = (why: string): never => {
    throw invalidArgument(`invalid JSONPath ${JSON.stringify(expr)}: ${why}`);
  };
  if (e === '' || (e[0] !== '.' && e[0] !== '[')) bad('must start with . or [');
  while (i < e.length) {
    const c = e[i];
    if (c === '.') {
      let j = i + 1;
      while (j < e.length && /[A-Za-z0-9_\-$]/.test(e[j] ?? '')) j++;
      const name = e.slice(i + 1, j);
      if (name === '') {
        if (e[j] === '[' || j === e.length) {
          i = j;
          continue;
        }
        bad(`unexpected ${JSON.stringify(e[j])} at ${j}`);
      }
      steps.push({ kind: 'field', name });
      i = j;
    } else if (c === '[') {
      const close = e.indexOf(']', i);
      if (close < 0) bad('unterminated [');
      const inner = e.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?[0-9]+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else {
        const m = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!m) bad(`unsupported expression [${inner}]`);
        const raw = (m?.[3] ?? '').trim();
        let value: unknown;
        if (/^'.*'$/.test(raw)) value = raw.slice(1, -1);
        else {
          try {
            value = JSON.parse(raw);
          } catch {
            bad(`unsupported filter value ${raw}`);
          }
        }
        steps.push({ kind: 'filter', path: (m?.[1] ?? '').split('.').filter((p) => p !== ''), op: m?.[2] === '!=' ? '!=' : '==', value });
      }
      i = close + 1;
    } else {
      bad(`unexpected ${JSON.stringify(c)} at ${i}`);
    }
  }
  return steps;
}

const childOf = (v: unknown, key: string): unknown =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;

/** Every value the path selects (none when a step does not exist). */
export function evaluateJSONPath(steps: Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step.kind) {
        case 'field': {
          const child = childOf(v, step.name);
          if (child !== undefined) next.push(child);
          break;
        }
        case 'index':
          if (Array.isArray(v)) {
            const item = v[step.index < 0 ? v.length + step.index : step.index];
            if (item !== undefined) next.push(item);
          }
          break;
        case 'all':
          if (Array.isArray(v)) next.push(...v);
          else if (v && typeof v === 'object') next.push(...Object.values(v));
          break;
        case 'filter':
          if (Array.isArray(v)) {
            for (const item of v) {
              const got = step.path.reduce<unknown>((acc, k) => childOf(acc, k), item);
              if ((got === step.value) === (step.op === '==') && got !== undefined) next.push(item);
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}
