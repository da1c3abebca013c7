/**
 * Mounting and unmounting through mount(8)/umount(8) (Node has no mount syscall), and
 * reading the mount table from /proc/self/mountinfo.
 *
 * Overlay options are one page at most (the kernel copies a single page of mount data),
 * so callers pass short lower paths relative to `cwd`: the kernel resolves them against
 * the working directory of the mount process.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BerthError, invalidArgument } from '../lib/index.js';

const run = promisify(execFile);

/** Mount data must fit one page including its NUL (4 KiB pages are the common case). */
export const MAX_MOUNT_DATA = 4095;
/** The kernel's limit on overlay lower layers (OVL_MAX_STACK). */
export const MAX_OVERLAY_LOWERS = 500;

/**
 * Always asked for: no inode index (lowers are shared by many mounts), and no
 * redirect_dir/metacopy, so that an upper dir holds whole files and directories and can be
 * diffed without its lowers.
 */
export const OVERLAY_BASE_OPTIONS = ['index=off', 'redirect_dir=off', 'metacopy=off'];

export interface OverlaySpec {
  /** Lower directories, topmost first; relative to `cwd` when given. */
  lower: readonly string[];
  /** Upper and work dir for a writable mount; both or neither. */
  upper?: string;
  work?: string;
  /** Absolute mount point. */
  target: string;
  /** Directory the relative paths in the options are resolved against. */
  cwd?: string;
  readonly?: boolean;
}

/** The `-o` string for an overlay mount; refuses what the kernel would refuse. */
export function overlayOptions(spec: OverlaySpec): string {
  const writable = spec.upper !== undefined || spec.work !== undefined;
  if (writable && (spec.upper === undefined || spec.work === undefined)) {
    throw invalidArgument('an overlay needs both upperdir and workdir, or neither');
  }
  if (spec.lower.length === 0) throw invalidArgument('an overlay needs at least one lower directory');
  if (!writable && spec.lower.length < 2) throw invalidArgument('a read-only overlay needs two lower directories');
  if (spec.lower.length > MAX_OVERLAY_LOWERS) {
    throw invalidArgument(`${spec.lower.length} lower directories exceed the overlay limit of ${MAX_OVERLAY_LOWERS}`);
  }
  for (const path of [...spec.lower, spec.upper ?? '', spec.work ?? '']) {
    if (/[,:\\\n]/.test(path)) throw invalidArgument(`overlay path ${JSON.stringify(path)} contains , : \\ or a newline`);
  }
  const options = [...OVERLAY_BASE_OPTIONS, `lowerdir=${spec.lower.join(':')}`];
  if (writable) options.push(`upperdir=${spec.upper}`, `workdir=${spec.work}`);
  if (spec.readonly) options.unshift('ro');
  const data = options.join(',');
  if (Buffer.byteLength(data) > MAX_MOUNT_DATA) {
    throw invalidArgument(`overlay mount options are ${Buffer.byteLength(data)} bytes, over the ${MAX_MOUNT_DATA}-byte limit`);
  }
  return data;
}

export async function mountOverlay(spec: OverlaySpec): Promise<void> {
  const options = overlayOptions(spec);
  await mountCommand(['-t', 'overlay', 'overlay', '-o', options, spec.target], spec.cwd);
}

/** Bind-mounts `source` on `target` (read-only when asked: a bind, then a remount). */
export async function bindMount(source: string, target: string, options: { readonly?: boolean } = {}): Promise<void> {
  await mountCommand(['--bind', source, target]);
  if (options.readonly) {
    try {
      await mountCommand(['-o', 'remount,bind,ro', target]);
    } catch (err) {
      await unmount(target).catch(() => undefined);
      throw err;
    }
  }
}

export async function unmount(target: string, options: { detach?: boolean } = {}): Promise<void> {
  await mountCommand(options.detach ? ['--lazy', target] : [target], undefined, 'umount');
}

/** Mount points currently visible to this process, in mount order. */
export async function mountPoints(): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of table.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) points.push(unescapeMountField(field));
  }
  return points;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/** Mount points at or below `dir` (an absolute, canonical path), deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const inside = (await mountPoints()).filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(inside)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir`, deepest first; true when nothing is left. */
export async function unmountAllUnder(dir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return true;
    for (const point of points) await unmount(point).catch(() => undefined);
  }
  return (await mountsUnder(dir)).length === 0;
}

/** mountinfo escapes space, tab, newline and backslash as octal `\ooo`. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

async function mountCommand(args: string[], cwd?: string, command = 'mount'): Promise<void> {
  try {
    await run(command, args, { cwd, timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(err);
    throw new BerthError('internal', `${command} ${args.join(' ')}: ${detail}`, { cause: err });
  }
}
