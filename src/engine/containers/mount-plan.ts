import path from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import { checkTarget, parseBind, parseMount, parseTmpfs, parseVolumesFrom, type MountIntent } from './mount-specs.js';
import type { ContainerCreateRequest, ContainerMount } from './types.js';

/** The mounts of another container, for `--volumes-from`; throws when there is none such. */
export type MountsOf = (container: string) => ContainerMount[];

const duplicate = (destination: string): Error => invalidArgument(`Duplicate mount point: ${destination}`);

/** Checks the request's mount fields without looking anything up (cheap, before the image is prepared). */
export function checkMountRequest(request: ContainerCreateRequest): void {
  planMounts(request, [], () => []);
}

/**
 * Every mount a new container gets, in Docker's order of precedence: volumes from other
 * containers, overridden by `-v` binds and `--mount`s (which must not collide with each
 * other or with `--tmpfs`), then an anonymous volume for each of the image's VOLUMEs (and
 * the request's) that nothing else covers.
 */
export function planMounts(request: ContainerCreateRequest, imageVolumes: readonly string[], mountsOf: MountsOf): MountIntent[] {
  const planned = new Map<string, MountIntent>();
  const explicit = new Set<string>();
  const tmpfsTargets = new Set<string>();
  const tmpfsIntents: MountIntent[] = [];
  for (const [destination, options] of Object.entries(request.tmpfs ?? {})) {
    const intent = parseTmpfs(destination, options, `tmpfs[${JSON.stringify(destination)}]`);
    if (tmpfsTargets.has(intent.destination)) throw duplicate(intent.destination);
    tmpfsTargets.add(intent.destination);
    tmpfsIntents.push(intent);
  }
  for (const [i, spec] of (request.volumesFrom ?? []).entries()) {
    const { container, rw } = parseVolumesFrom(spec, `volumesFrom[${i}]`);
    for (const m of mountsOf(container)) {
      if (m.type === 'tmpfs') continue;
      const intent: MountIntent = { type: m.type, source: m.type === 'volume' ? (m.name ?? '') : m.source, destination: m.destination, rw: m.rw && rw, mode: m.mode, propagation: m.propagation, copyData: false };
      if (m.driver !== undefined) intent.volumeDriver = m.driver;
      if (m.nonRecursive === true) intent.nonRecursive = true;
      if (m.anonymous === true) intent.sharedAnonymous = true;
      planned.set(m.destination, intent);
    }
  }
  for (const [i, raw] of (request.binds ?? []).entries()) {
    const intent = parseBind(raw, `binds[${i}]`);
    if (explicit.has(intent.destination) || tmpfsTargets.has(intent.destination)) throw duplicate(intent.destination);
    explicit.add(intent.destination);
    planned.set(intent.destination, intent);
  }
  for (const [i, m] of (request.mounts ?? []).entries()) {
    const intent = parseMount(m, `mounts[${i}]`);
    if (explicit.has(intent.destination) || tmpfsTargets.has(intent.destination)) throw duplicate(intent.destination);
    explicit.add(intent.destination);
    planned.set(intent.destination, intent);
  }
  for (const intent of tmpfsIntents) planned.set(intent.destination, intent);
  const anonymous = [...imageVolumes.map((v, i) => [v, `image volume ${i}`] as const), ...(request.volumes ?? []).map((v, i) => [v, `volumes[${i}]`] as const)];
  for (const [target, field] of anonymous) {
    const destination = checkTarget(target, field);
    if (planned.has(destination)) continue;
    planned.set(destination, { type: 'volume', destination, rw: true, mode: '', propagation: '', copyData: true });
  }
  return [...planned.values()];
}

/** The image's VOLUMEs, as Docker reads Config.Volumes (keys; order kept). */
export function imageVolumes(volumes: Record<string, unknown> | undefined): string[] {
  return Object.keys(volumes ?? {}).map((v) => (v.startsWith('/') ? v : path.posix.join('/', v)));
}
