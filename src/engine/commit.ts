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
  const settings = { ...containerSettings(image.config.config ?? {}, c.config), ...definedFields(options.overrides ?? {}) };
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

/** The fields given a value (an empty list or map counts as not given, as Docker's merge). */
function definedFields(config: ImageExecConfig): ImageExecConfig {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && Object.keys(value as object).length === 0) continue;
    out[key] = value;
  }
  return out as ImageExecConfig;
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
