import type { RuntimeSpec } from './spec-types.js';

function write(value: unknown, indent: string, step: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + step;
    return `[\n${value.map((v) => inner + write(v, inner, step)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + step;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner, step)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * config.json text for a spec. JSON.stringify cannot write bigints, and rlimits are
 * uint64 (RLIM_INFINITY is 2^64-1), so they are written here as plain JSON numbers.
 */
export function specToJson(spec: RuntimeSpec): string {
  return write(spec, '', '  ') + '\n';
}
