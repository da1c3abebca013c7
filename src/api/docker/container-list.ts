import type { ContainerRecord } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';

/**
 * `GET /containers/json` and prune filters over records: status, name, id, label,
 * ancestor, exited, volume (a volume's name, a bind's source or a mount's destination),
 * network (name or ID), publish and expose (container ports: `80`, `80/tcp`),
 * before/since (as Docker: by creation order), until (prune).
 */
export type ContainerFilters = Map<string, string[]>;

const statuses = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

export function labelMatches(labels: Record<string, string>, wanted: string): boolean {
  const eq = wanted.indexOf('=');
  if (eq < 0) return wanted in labels;
  return labels[wanted.slice(0, eq)] === wanted.slice(eq + 1);
}

function ancestorMatches(record: ContainerRecord, wanted: string): boolean {
  const image = record.image;
  const bareId = record.imageId.replace(/^sha256:/, '');
  if (wanted === image || wanted === record.imageId) return true;
  if (wanted.length >= 4 && bareId.startsWith(wanted.replace(/^sha256:/, ''))) return true;
  // `busybox` matches containers created from `busybox:latest` and the reverse.
  const untagged = (ref: string): string => ref.replace(/:latest$/, '');
  return untagged(wanted) === untagged(image);
}

/** Docker's `name` filter is a regular expression matched anywhere in the name. */
function nameMatches(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(`/${name}`);
  } catch {
    throw invalidArgument(`invalid filter 'name=${pattern}'`);
  }
}

/** `80` → `80/tcp`. */
const portKey = (text: string): string => (text.includes('/') ? text.toLowerCase() : `${text}/tcp`);

export function filterContainers(records: ContainerRecord[], filters: ContainerFilters): ContainerRecord[] {
  for (const status of filters.get('status') ?? []) {
    if (!statuses.has(status)) throw invalidArgument(`invalid filter 'status=${status}'`);
  }
  for (const code of filters.get('exited') ?? []) {
    if (!/^-?\d+$/.test(code)) throw invalidArgument(`invalid filter 'exited=${code}'`);
  }
  const anyOf = (key: string, test: (value: string) => boolean): boolean => {
    const values = filters.get(key);
    return !values?.length || values.some(test);
  };
  const allOf = (key: string, test: (value: string) => boolean): boolean => (filters.get(key) ?? []).every(test);
  const byCreation = (ref: string): ContainerRecord | undefined =>
    records.find((r) => r.id === ref || r.name === ref.replace(/^\//, '') || (ref.length >= 4 && r.id.startsWith(ref)));
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeRecord = before ? byCreation(before) : undefined;
  const sinceRecord = since ? byCreation(since) : undefined;
  if (before && !beforeRecord) throw invalidArgument(`No such container: ${before}`);
  if (since && !sinceRecord) throw invalidArgument(`No such container: ${since}`);

  return records.filter(
    (r) =>
      anyOf('status', (s) => r.state.status === s) &&
      anyOf('id', (id) => r.id.startsWith(id)) &&
      anyOf('name', (n) => nameMatches(r.name, n)) &&
      allOf('label', (l) => labelMatches(r.config.labels, l)) &&
      anyOf('ancestor', (a) => ancestorMatches(r, a)) &&
      anyOf('exited', (code) => r.state.status === 'exited' && r.state.exitCode === Number(code)) &&
      anyOf('volume', (v) => (r.config.mounts ?? []).some((m) => m.name === v || m.source === v || m.destination === v)) &&
      anyOf('network', (n) => r.networks.some((x) => x.networkName === n || (n.length >= 4 && x.networkId.startsWith(n))) || r.networkMode === n) &&
      anyOf('publish', (p) => r.ports.some((x) => portKey(p) === `${x.containerPort}/${x.protocol}`)) &&
      anyOf('expose', (p) => (r.config.exposedPorts ?? []).includes(portKey(p))) &&
      (!beforeRecord || r.created < beforeRecord.created) &&
      (!sinceRecord || r.created > sinceRecord.created),
  );
}

/** Newest first, as `docker ps`; `limit` keeps the newest N (and implies all states). */
export function newestFirst(records: ContainerRecord[], limit?: number): ContainerRecord[] {
  const sorted = [...records].sort((a, b) => b.created.getTime() - a.created.getTime());
  return limit !== undefined && limit > 0 ? sorted.slice(0, limit) : sorted;
}
