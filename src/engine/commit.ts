import { notFound } from '../lib/index.js';
import type { ContainerConfig as ImageExecConfig } from '../oci/index.js';
import type { ContainerService } from './containers/types.js';
import { applyChanges } from './images/changes.js';
import type { ImageRecord, ImageService } from './images/types.js';

export interface CommitOptions {
  /** `name:tag` for the new image; without one it is nameless. */
  reference?: string;
  comment?: string;
  author?: string;
  /** Dockerfile-like instructions applied to the config (`docker commit --change`). */
  changes?: string[];
  /** Fields that replace the container's settings (the API's request body), before `changes`. */
  overrides?: ImageExecConfig;
  /** The whole execution config (a build step knows it); the container's settings otherwise. */
  config?: ImageExecConfig;
  /** The history entry's `created_by`; the container's command otherwise, as Docker writes it. */
  createdBy?: string;
  /** A build step: the image is kept hidden for the build cache. */
  intermediate?: boolean;
}

/**
 * `docker commit`: the changes of a container (its writable layer, as a diff; a running
 * container paused while it is read) stored as one more layer over its image, with the
 * container's settings as the config.
 */
export async function commitContainer(images: ImageService, containers: ContainerService, idOrName: string, options: CommitOptions): Promise<ImageRecord> {
  const c = await containers.get(idOrName);
  let image: ImageRecord;
  try {
    image = await images.get(c.imageId);
  } catch (err) {
    throw notFound(`the image of container ${c.id.slice(0, 12)} is gone: ${c.imageId}`, err);
  }
  const settings = mergeOverrides(options.overrides ?? {}, containerSettings(image.config.config ?? {}, c.config));
  const config = options.config ?? applyChanges(settings, options.changes ?? []);
  const layer = await containers.changes(c.id);
  try {
    return await images.create({
      parent: image.id,
      layer,
      config,
      createdBy: options.createdBy ?? [...c.config.entrypoint, ...c.config.cmd].join(' '),
      ...(options.comment === undefined || options.comment === '' ? {} : { comment: options.comment }),
      ...(options.author === undefined || options.author === '' ? {} : { author: options.author }),
      ...(options.reference === undefined || options.reference === '' ? {} : { reference: options.reference }),
      ...(options.intermediate === true ? { intermediate: true } : {}),
    });
  } finally {
    layer.destroy();
  }
}

const envKey = (entry: string): string => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);

/**
 * The request's settings over the container's, as moby's commit merge does it: lists of
 * ports, volumes and labels are joined (the request's win), Env is joined by name, and
 * the rest is taken from the container where the request leaves it empty; an Entrypoint
 * given drops the container's Cmd unless a Cmd is given too.
 */
export function mergeOverrides(user: ImageExecConfig, base: ImageExecConfig): ImageExecConfig {
  const out: ImageExecConfig = { ...base };
  if (user.User) out.User = user.User;
  if (user.WorkingDir) out.WorkingDir = user.WorkingDir;
  if (user.StopSignal) out.StopSignal = user.StopSignal;
  if (user.OnBuild && user.OnBuild.length > 0) out.OnBuild = [...user.OnBuild];
  if (user.ExposedPorts) out.ExposedPorts = { ...(base.ExposedPorts ?? {}), ...user.ExposedPorts };
  if (user.Volumes) out.Volumes = { ...(base.Volumes ?? {}), ...user.Volumes };
  if (user.Labels) out.Labels = { ...(base.Labels ?? {}), ...user.Labels };
  if (user.Env && user.Env.length > 0) {
    const names = new Set(user.Env.map(envKey));
    out.Env = [...user.Env, ...(base.Env ?? []).filter((e) => !names.has(envKey(e)))];
  }
  if (user.Entrypoint && user.Entrypoint.length > 0) {
    out.Entrypoint = [...user.Entrypoint];
    if (user.Cmd && user.Cmd.length > 0) out.Cmd = [...user.Cmd];
    else delete out.Cmd;
  } else if (user.Cmd && user.Cmd.length > 0) {
    out.Cmd = [...user.Cmd];
  }
  return out;
}

/** The image's config with what the container ran with on top (Docker merges the same way). */
function containerSettings(base: ImageExecConfig, c: { env: string[]; cmd: string[]; entrypoint: string[]; workingDir: string; user: string; labels: Record<string, string>; stopSignal: string }): ImageExecConfig {
  const out: ImageExecConfig = { ...structuredClone(base), Env: [...c.env] };
  if (c.cmd.length > 0) out.Cmd = [...c.cmd];
  else delete out.Cmd;
  if (c.entrypoint.length > 0) out.Entrypoint = [...c.entrypoint];
  else delete out.Entrypoint;
  if (c.workingDir !== '') out.WorkingDir = c.workingDir;
  if (c.user !== '') out.User = c.user;
  if (Object.keys(c.labels).length > 0) out.Labels = { ...c.labels };
  if (c.stopSignal !== '' && (base.StopSignal !== undefined || c.stopSignal !== 'SIGTERM')) out.StopSignal = c.stopSignal;
  return out;
}
