import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { invalidArgument, isErrno } from '../../lib/index.js';
import type { BindMountInput, MountInput, TmpfsMountInput } from '../../runtime/index.js';
import type { MountIntent } from './mount-specs.js';
import { resolveInRoot } from './rootfs-file.js';
import type { ContainerMount } from './types.js';
import type { VolumePort } from './volume-port.js';

const run = promisify(execFile);

/** Docker's label on volumes created without a name. */
const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface ResolvedMounts {
  mounts: ContainerMount[];
  /** Volumes to fill from the image's content before the first start. */
  toPopulate: Array<{ name: string; destination: string; mountpoint: string }>;
  /** Ends the reservation of the volumes (once the container is stored, it holds them). */
  release(): void;
  /** Undoes what resolve made: releases, removes the anonymous volumes it created. */
  undo(): Promise<void>;
}

/**
 * Makes the planned mounts real: creates named volumes that do not exist yet and one new
 * volume per anonymous mount (all reserved for `holder`), creates missing `-v` bind
 * sources as Docker does and refuses missing `--mount` ones.
 */
export async function resolveMounts(intents: readonly MountIntent[], volumes: VolumePort, holder: string): Promise<ResolvedMounts> {
  const releases: Array<() => void> = [];
  const anonymous: string[] = [];
  const release = (): void => {
    for (const r of releases.splice(0)) r();
  };
  const undo = async (): Promise<void> => {
    release();
    for (const name of anonymous) await volumes.remove(name, { force: true }).catch(() => undefined);
  };
  const mounts: ContainerMount[] = [];
  const toPopulate: ResolvedMounts['toPopulate'] = [];
  try {
    for (const intent of intents) {
      const base = { destination: intent.destination, mode: intent.mode, rw: intent.rw, propagation: intent.propagation };
      if (intent.type === 'tmpfs') {
        mounts.push({ type: 'tmpfs', source: '', ...base, ...(intent.tmpfs === undefined ? {} : { tmpfs: intent.tmpfs }) });
        continue;
      }
      if (intent.type === 'bind') {
        const source = intent.source as string;
        await ensureBindSource(source, intent.createSource === true);
        mounts.push({ type: 'bind', source, ...base, ...(intent.nonRecursive === true ? { nonRecursive: true } : {}) });
        continue;
      }
      const isAnonymous = intent.source === undefined;
      const name = intent.source ?? randomBytes(32).toString('hex');
      releases.push(volumes.reserve([name], holder));
      const labels = isAnonymous ? { ...intent.volumeLabels, [ANONYMOUS_LABEL]: '' } : intent.volumeLabels;
      const v = await volumes.create({
        name,
        ...(intent.volumeDriver === undefined ? {} : { driver: intent.volumeDriver }),
        ...(labels === undefined ? {} : { labels }),
        ...(intent.volumeOptions === undefined ? {} : { options: intent.volumeOptions }),
      });
      if (isAnonymous) anonymous.push(name);
      const anonymousMount = isAnonymous || intent.sharedAnonymous === true;
      mounts.push({ type: 'volume', name: v.name, source: v.mountpoint, driver: v.driver, ...base, ...(anonymousMount ? { anonymous: true } : {}) });
      // Only an empty volume is filled: checked here too, so that a volume in use already
      // costs no mount of the image (a volume with mount options looks empty until mounted).
      if (intent.copyData && (await readdir(v.mountpoint)).length === 0) toPopulate.push({ name: v.name, destination: intent.destination, mountpoint: v.mountpoint });
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return { mounts, toPopulate, release, undo };
}

async function ensureBindSource(source: string, create: boolean): Promise<void> {
  try {
    await stat(source);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    if (!create) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
    await mkdir(source, { recursive: true, mode: 0o755 });
  }
}

/**
 * Docker's copy-up: an empty volume first gets what the image has at the mount's
 * destination (contents, ownership, modes, timestamps, xattrs, links), so that
 * `-v data:/var/lib/app` starts from the image's files. The destination is resolved inside
 * the root filesystem as if chrooted there, so an image's symlink cannot point the copy
 * at a host directory. Nothing is copied into a volume that already holds something.
 */
export async function populateVolumes(rootfs: string, targets: ResolvedMounts['toPopulate']): Promise<void> {
  for (const { destination, mountpoint } of targets) {
    // A volume with mount options is mounted by the caller for the copy (see VolumePort.mount).
    const source = await resolveInRoot(rootfs, destination);
    if (source === undefined) continue;
    const st = await stat(source).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) continue;
    if ((await readdir(mountpoint)).length > 0) continue;
    // GNU cp: -a keeps owners, modes, times, links and xattrs; `src/.` copies the directory's
    // own ownership and mode onto the volume's root too, as Docker does.
    await run('cp', ['-a', '--no-target-directory', `${source}/.`, mountpoint]);
  }
}

/**
 * Mounts the container's volumes that need it (mount options) for `ref`; on failure the
 * ones already mounted are let go. Returns the undo.
 */
export async function mountVolumes(volumes: VolumePort, mounts: readonly ContainerMount[], ref: string): Promise<() => Promise<void>> {
  const done: string[] = [];
  const undo = async (): Promise<void> => {
    for (const name of done.splice(0)) await volumes.unmount(name, ref).catch(() => undefined);
  };
  try {
    for (const m of mounts) {
      if (m.type !== 'volume' || m.name === undefined || done.includes(m.name)) continue;
      await volumes.mount(m.name, ref);
      done.push(m.name);
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}

/** The runtime's mount inputs for a container's mounts. */
export function runtimeMounts(mounts: readonly ContainerMount[]): MountInput[] {
  return mounts.map((m): MountInput => {
    if (m.type === 'tmpfs') {
      const t: TmpfsMountInput = { type: 'tmpfs', destination: m.destination, readonly: !m.rw };
      if (m.tmpfs?.size !== undefined) t.size = m.tmpfs.size;
      if (m.tmpfs?.mode !== undefined) t.mode = m.tmpfs.mode;
      if (m.tmpfs?.options !== undefined) t.options = m.tmpfs.options;
      return t;
    }
    const b: BindMountInput = { type: 'bind', source: m.source, destination: m.destination, readonly: !m.rw, recursive: m.nonRecursive !== true };
    b.propagation = m.propagation === '' ? 'rprivate' : m.propagation;
    return b;
  });
}
