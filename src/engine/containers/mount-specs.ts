import path from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import type { MountPropagation, MountRequest } from './types.js';

/**
 * Docker's mount syntaxes read into one model (moby's Linux mount parser is the
 * reference): `-v` specs, structured `--mount`s, `--tmpfs` entries and `--volumes-from`.
 * Pure: no file system access; errors name the field at fault.
 */

export const PROPAGATIONS: readonly MountPropagation[] = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

/** A mount before volumes exist: what to mount where, and how. */
export interface MountIntent {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Bind: host path. Volume: its name, or undefined for an anonymous one. */
  source?: string;
  destination: string;
  rw: boolean;
  mode: string;
  propagation: MountPropagation | '';
  /** Another container's anonymous volume (`--volumes-from`): `rm -v` tries to remove it too, as Docker does. */
  sharedAnonymous?: boolean;
  /** Fill an empty volume from the image's content at the destination first. */
  copyData: boolean;
  nonRecursive?: boolean;
  /** Bind sources that do not exist: `-v` creates a directory, `--mount` refuses. */
  createSource?: boolean;
  volumeLabels?: Record<string, string>;
  volumeDriver?: string;
  volumeOptions?: Record<string, string>;
  tmpfs?: { size?: number; mode?: number; options?: string[] };
}

/** Whether every comma-separated element is a known mode, each kind at most once. */
export function validMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const kind = RW_MODES.has(o) ? 0 : LABEL_MODES.has(o) ? 1 : PROPAGATIONS.includes(o as MountPropagation) ? 2 : COPY_MODES.has(o) ? 3 : CONSISTENCY_MODES.has(o) ? 4 : -1;
    if (kind < 0) return false;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts.every((c) => c <= 1);
}

/** A container path: absolute, cleaned, never the root. */
export function checkTarget(target: unknown, field: string): string {
  if (typeof target !== 'string' || target === '') throw invalidArgument(`${field}: field Target must not be empty`);
  if (!target.startsWith('/')) throw invalidArgument(`${field}: invalid mount path: '${target}' mount path must be absolute`);
  const clean = path.posix.normalize(target).replace(/(.)\/+$/, '$1');
  if (clean === '/') throw invalidArgument(`${field}: invalid specification: destination can't be '/'`);
  return clean;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function checkVolumeSource(name: string, field: string): void {
  if (!VOLUME_NAME.test(name)) {
    throw invalidArgument(
      `${field}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** One `-v` spec: `/path`, `SOURCE:/path` or `SOURCE:/path:MODE`. */
export function parseBind(raw: string, field: string): MountIntent {
  const invalid = (why?: string): Error => invalidArgument(`${field}: invalid volume specification: '${raw}'${why ? `: ${why}` : ''}`);
  if (typeof raw !== 'string') throw invalidArgument(`${field}: expected a string`);
  const parts = raw.split(':');
  if (parts[0] === '' || parts.length > 3) throw invalid();
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0] ?? '';
  else {
    if (parts.length === 2 && validMode(parts[1] ?? '')) throw invalid();
    source = parts[0];
    target = parts[1] ?? '';
    mode = parts[2] ?? '';
  }
  if (!validMode(mode)) throw invalidArgument(`${field}: invalid mode: ${mode}`);
  const destination = checkTarget(target, field);
  const options = mode === '' ? [] : mode.split(',');
  const rw = !options.includes('ro');
  const propagation = options.find((o) => PROPAGATIONS.includes(o as MountPropagation)) as MountPropagation | undefined;
  if (source !== undefined && source.startsWith('/')) {
    return { type: 'bind', source: path.posix.normalize(source), destination, rw, mode, propagation: propagation ?? 'rprivate', copyData: false, createSource: true };
  }
  if (propagation !== undefined) throw invalid('field BindOptions must not be specified');
  if (source !== undefined) checkVolumeSource(source, field);
  if (source === undefined && !rw) throw invalid('must not set ReadOnly mode when using anonymous volumes');
  // Docker reports a local volume's empty mode as `z` (its SELinux relabel default).
  const intent: MountIntent = { type: 'volume', destination, rw, mode: mode === '' ? 'z' : mode, propagation: '', copyData: !options.includes('nocopy') };
  if (source !== undefined) intent.source = source;
  return intent;
}

const parseSize = (raw: string, field: string): number => {
  const m = /^(\d+)([kmgKMG]?)$/.exec(raw);
  if (!m) throw invalidArgument(`${field}: invalid tmpfs size ${JSON.stringify(raw)}: use bytes or a number with k, m or g`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const size = Number(m[1]) * unit;
  if (!Number.isSafeInteger(size) || size <= 0) throw invalidArgument(`${field}: invalid tmpfs size ${JSON.stringify(raw)}`);
  return size;
};

/** One `--tmpfs` entry: destination and its mount options (`size=64m,mode=1777,exec`). */
export function parseTmpfs(destination: string, options: string, field: string): MountIntent {
  const dest = checkTarget(destination, field);
  if (typeof options !== 'string') throw invalidArgument(`${field}: options must be a string`);
  const tmpfs: NonNullable<MountIntent['tmpfs']> = {};
  const extra: string[] = [];
  let rw = true;
  for (const opt of options === '' ? [] : options.split(',')) {
    const [key = '', value] = opt.split(/=(.*)/s, 2);
    if (key === 'size' && value !== undefined) tmpfs.size = parseSize(value, field);
    else if (key === 'mode' && value !== undefined) {
      if (!/^[0-7]{1,4}$/.test(value)) throw invalidArgument(`${field}: invalid tmpfs mode ${JSON.stringify(value)}: use octal permission bits`);
      tmpfs.mode = parseInt(value, 8);
    } else if (opt === 'ro' || opt === 'rw') rw = opt === 'rw';
    else if (opt === '' || !/^[a-z0-9_]+(=[^,]*)?$/i.test(opt)) throw invalidArgument(`${field}: invalid tmpfs option ${JSON.stringify(opt)}`);
    else extra.push(opt);
  }
  if (extra.length) tmpfs.options = extra;
  return { type: 'tmpfs', destination: dest, rw, mode: '', propagation: '', copyData: false, tmpfs };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One structured mount (`--mount`, HostConfig.Mounts). */
export function parseMount(m: MountRequest, field: string): MountIntent {
  if (!isObject(m)) throw invalidArgument(`${field}: expected an object`);
  const invalid = (why: string): Error => invalidArgument(`${field}: invalid mount config for type "${String(m.type)}": ${why}`);
  const destination = checkTarget(m.target, `${field}.Target`);
  const rw = m.readOnly !== true;
  switch (m.type) {
    case 'bind': {
      if (m.volumeOptions !== undefined) throw invalid('field VolumeOptions must not be specified');
      if (m.tmpfsOptions !== undefined) throw invalid('field TmpfsOptions must not be specified');
      if (typeof m.source !== 'string' || m.source === '') throw invalid('field Source must not be empty');
      if (!m.source.startsWith('/')) throw invalid(`invalid mount path: '${m.source}' mount path must be absolute`);
      const propagation = m.bindOptions?.propagation ?? 'rprivate';
      if (!PROPAGATIONS.includes(propagation)) throw invalid(`invalid propagation mode: ${String(propagation)}`);
      const intent: MountIntent = { type: 'bind', source: path.posix.normalize(m.source), destination, rw, mode: '', propagation, copyData: false, createSource: m.bindOptions?.createMountpoint === true };
      if (m.bindOptions?.nonRecursive === true) intent.nonRecursive = true;
      return intent;
    }
    case 'volume': {
      if (m.bindOptions !== undefined) throw invalid('field BindOptions must not be specified');
      if (m.tmpfsOptions !== undefined) throw invalid('field TmpfsOptions must not be specified');
      const anonymous = m.source === undefined || m.source === '';
      if (!anonymous) checkVolumeSource(m.source as string, `${field}.Source`);
      if (anonymous && !rw) throw invalid('must not set ReadOnly mode when using anonymous volumes');
      const o = m.volumeOptions;
      const intent: MountIntent = { type: 'volume', destination, rw, mode: 'z', propagation: '', copyData: o?.noCopy !== true };
      if (!anonymous) intent.source = m.source as string;
      if (o?.labels !== undefined) intent.volumeLabels = { ...o.labels };
      if (o?.driverConfig?.name !== undefined && o.driverConfig.name !== '') intent.volumeDriver = o.driverConfig.name;
      if (o?.driverConfig?.options !== undefined) intent.volumeOptions = { ...o.driverConfig.options };
      return intent;
    }
    case 'tmpfs': {
      if (m.source !== undefined && m.source !== '') throw invalid('field Source must not be specified');
      if (m.bindOptions !== undefined) throw invalid('field BindOptions must not be specified');
      if (m.volumeOptions !== undefined) throw invalid('field VolumeOptions must not be specified');
      const o = m.tmpfsOptions;
      const tmpfs: NonNullable<MountIntent['tmpfs']> = {};
      if (o?.sizeBytes !== undefined && o.sizeBytes !== 0) {
        if (!Number.isSafeInteger(o.sizeBytes) || o.sizeBytes < 0) throw invalid(`invalid TmpfsOptions.SizeBytes ${String(o.sizeBytes)}`);
        tmpfs.size = o.sizeBytes;
      }
      if (o?.mode !== undefined && o.mode !== 0) {
        if (!Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0o7777) throw invalid(`invalid TmpfsOptions.Mode ${String(o.mode)}`);
        tmpfs.mode = o.mode;
      }
      const extra: string[] = [];
      for (const opt of o?.options ?? []) {
        if (!Array.isArray(opt) || opt.length < 1 || opt.length > 2) throw invalid('invalid option array length');
        if (opt[0] !== 'exec' && opt[0] !== 'noexec') throw invalid(`invalid option: ${String(opt[0])}`);
        extra.push(opt.join('='));
      }
      if (extra.length) tmpfs.options = extra;
      return { type: 'tmpfs', destination, rw, mode: '', propagation: '', copyData: false, tmpfs };
    }
    default:
      throw invalidArgument(`${field}: invalid mount config: mount type unknown: ${JSON.stringify(m.type)}`);
  }
}

/** `CONTAINER[:ro|rw]` (no propagation or copy modes, as Docker). */
export function parseVolumesFrom(spec: string, field: string): { container: string; rw: boolean } {
  if (typeof spec !== 'string' || spec === '') throw invalidArgument(`${field}: volumes-from specification cannot be an empty string`);
  const colon = spec.indexOf(':');
  if (colon < 0) return { container: spec, rw: true };
  const mode = spec.slice(colon + 1);
  const opts = mode.split(',');
  if (!validMode(mode) || opts.some((o) => PROPAGATIONS.includes(o as MountPropagation) || COPY_MODES.has(o))) throw invalidArgument(`${field}: invalid mode: ${mode}`);
  return { container: spec.slice(0, colon), rw: !opts.includes('ro') };
}
