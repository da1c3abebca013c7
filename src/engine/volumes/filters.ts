import type { VolumeFilters, VolumeRecord } from './types.js';

/** `key` or `key=value` against a volume's labels. */
export function labelMatches(labels: Record<string, string> | null, selector: string): boolean {
  const eq = selector.indexOf('=');
  const key = eq < 0 ? selector : selector.slice(0, eq);
  if (labels === null || !Object.hasOwn(labels, key)) return false;
  return eq < 0 || labels[key] === selector.slice(eq + 1);
}

/**
 * Docker matches `name` filters as regular expressions against the name; a plain name
 * then reads as a substring. A pattern that is not a valid expression matches literally.
 */
export function nameMatches(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

/** Whether a volume passes every given filter; `inUse` says whether a container uses it. */
export function matchesFilters(v: VolumeRecord, inUse: boolean, f: VolumeFilters): boolean {
  if (f.dangling !== undefined && f.dangling === inUse) return false;
  if (f.drivers?.length && !f.drivers.includes(v.driver)) return false;
  if (f.names?.length && !f.names.some((n) => nameMatches(v.name, n))) return false;
  if (f.labels?.some((l) => !labelMatches(v.labels, l))) return false;
  if (f.notLabels?.some((l) => labelMatches(v.labels, l))) return false;
  return true;
}
