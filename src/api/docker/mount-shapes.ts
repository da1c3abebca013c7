import type { ContainerRecord, MountRequest } from '../../engine/index.js';

/** A container's mounts in Docker's JSON shapes: inspect's `Mounts` and HostConfig.Mounts. */

/** Docker's MountPoint; `--tmpfs` mounts are not listed, as in Docker (only `--mount type=tmpfs`). */
export function mountPoints(record: ContainerRecord): object[] {
  const tmpfsFlags = record.request.tmpfs ?? {};
  return (record.config.mounts ?? [])
    .filter((m) => !(m.type === 'tmpfs' && Object.hasOwn(tmpfsFlags, m.destination)))
    .map((m) => ({
      Type: m.type,
      ...(m.name === undefined ? {} : { Name: m.name }),
      Source: m.source,
      Destination: m.destination,
      ...(m.driver === undefined ? {} : { Driver: m.driver }),
      Mode: m.mode,
      RW: m.rw,
      Propagation: m.propagation,
    }));
}

/** HostConfig.Mounts as the client sent them (Docker echoes its mount.Mount list, empty fields left out). */
export function mountsShape(mounts: readonly MountRequest[] | undefined): object[] | undefined {
  if (mounts === undefined) return undefined;
  return mounts.map((m) => ({
    Type: m.type,
    ...(m.source ? { Source: m.source } : {}),
    Target: m.target,
    ...(m.readOnly === true ? { ReadOnly: true } : {}),
    ...(m.bindOptions
      ? {
          BindOptions: {
            ...(m.bindOptions.propagation ? { Propagation: m.bindOptions.propagation } : {}),
            ...(m.bindOptions.nonRecursive ? { NonRecursive: true } : {}),
            ...(m.bindOptions.createMountpoint ? { CreateMountpoint: true } : {}),
          },
        }
      : {}),
    ...(m.volumeOptions
      ? {
          VolumeOptions: {
            ...(m.volumeOptions.noCopy ? { NoCopy: true } : {}),
            ...(m.volumeOptions.labels ? { Labels: m.volumeOptions.labels } : {}),
            ...(m.volumeOptions.driverConfig
              ? { DriverConfig: { ...(m.volumeOptions.driverConfig.name ? { Name: m.volumeOptions.driverConfig.name } : {}), ...(m.volumeOptions.driverConfig.options ? { Options: m.volumeOptions.driverConfig.options } : {}) } }
              : {}),
          },
        }
      : {}),
    ...(m.tmpfsOptions
      ? {
          TmpfsOptions: {
            ...(m.tmpfsOptions.sizeBytes ? { SizeBytes: m.tmpfsOptions.sizeBytes } : {}),
            ...(m.tmpfsOptions.mode ? { Mode: m.tmpfsOptions.mode } : {}),
            ...(m.tmpfsOptions.options ? { Options: m.tmpfsOptions.options } : {}),
          },
        }
      : {}),
  }));
}

/** Config.Volumes: the image's and the request's volume destinations, `{"/data": {}}`, or null. */
export function volumesShape(volumes: readonly string[] | undefined): Record<string, object> | null {
  if (volumes === undefined || volumes.length === 0) return null;
  return Object.fromEntries(volumes.map((v) => [v, {}]));
}
