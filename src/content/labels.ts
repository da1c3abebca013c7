import { invalidArgument } from '../lib/index.js';

export type Labels = Record<string, string>;

/** Checks labels given by a caller and returns a copy. */
export function checkLabels(labels: Labels | undefined): Labels {
  const copy: Labels = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key === '') throw invalidArgument('label keys must not be empty');
    if (typeof value !== 'string') throw invalidArgument(`label ${key} must be a string`);
    copy[key] = value;
  }
  return copy;
}

/** Reads labels stored as a JSON object column. */
export function parseLabels(text: string): Labels {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const labels: Labels = {};
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') labels[key] = item;
  return labels;
}

export function matchesLabels(labels: Labels, wanted: Labels | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([key, value]) => labels[key] === value);
}
