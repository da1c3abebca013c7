import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BerthError, errorKind, isNotFound } from '../../lib/index.js';
import type { Snapshotter } from '../../layers/index.js';
import { specToJson, type HostInfo, type MountInput } from '../../runtime/index.js';
import type { DriverPort } from './driver-port.js';
import type { EndpointRecord, NetworkManager } from '../../network/index.js';
import { etcFileMounts, etcFilePaths, writeEtcFiles, type EtcFiles } from './etc-files.js';
import { mountVolumes, runtimeMounts } from './mounts-resolve.js';
import { endpointRequests, parseNetworkMode, portBindings } from './networking.js';
import { containerSpec } from './spec.js';
import type { StoredContainer } from './store.js';
import type { ContainerMount } from './types.js';
import type { VolumePort } from './volume-port.js';
import { resolveUserInRootfs } from './users.js';

export interface LaunchContext {
  driver: DriverPort;
  volumes: VolumePort;
  snapshots: Snapshotter;
  host: HostInfo;
  initBinary: string | undefined;
  containerDir(id: string): string;
  logPath(id: string): string;
  cgroupsPath(id: string): string;
  network: NetworkManager;
  /** A running container whose network namespace another joins (`container:<name>`). */
  namespaceOwner(idOrName: string): { id: string; pid: number };
}

/** A start that failed: Docker's State.Error and the exit code it reports for it. */
export class StartFailure extends BerthError {
  constructor(
    readonly exitCode: number,
    message: string,
    cause: unknown,
  ) {
    super(errorKind(cause) === 'internal' ? 'internal' : errorKind(cause), message, { cause });
    this.name = 'StartFailure';
  }
}

/** 127 for a missing command, 126 for one that cannot be executed, 125 for anything else. */
function exitCodeFor(err: unknown): number {
  const hint = (err as { exitCodeHint?: unknown }).exitCodeHint;
  if (hint === 126 || hint === 127) return hint;
  const text = err instanceof Error ? err.message : String(err);
  if (/executable file not found|no such file or directory/i.test(text)) return 127;
  if (/permission denied/i.test(text)) return 126;
  return 125;
}

function failureMessage(err: unknown): string {
  const runtime = (err as { runtimeMessage?: unknown }).runtimeMessage;
  if (typeof runtime === 'string' && runtime !== '') return `OCI runtime create failed: ${runtime}`;
  return err instanceof Error ? err.message : String(err);
}

/** The generated /etc files and the user's mounts; a user's mount at one of those paths wins, as in Docker. */
function containerMounts(etc: readonly MountInput[], mounts: readonly ContainerMount[]): MountInput[] {
  const taken = new Set(mounts.map((m) => m.destination));
  return [...etc.filter((m) => !taken.has(m.destination)), ...runtimeMounts(mounts)];
}

/**
 * Mounts the root filesystem, writes the bundle (config.json and the generated /etc
 * files) and has the driver create and start the container. Returns the pid. On failure
 * everything made for this attempt is undone (the rootfs is unmounted) and a
 * StartFailure carries the exit code to record.
 */
export async function launch(ctx: LaunchContext, c: StoredContainer): Promise<number> {
  const dir = ctx.containerDir(c.id);
  let created = false;
  let unmountVolumes = async (): Promise<void> => undefined;
  let endpoints: EndpointRecord[] = [];
  try {
    const rootfs = await ctx.snapshots.mount(c.id);
    unmountVolumes = await mountVolumes(ctx.volumes, c.config.mounts ?? [], c.id);
    const user = await resolveUserInRootfs(rootfs, c.config.user);
    const mode = parseNetworkMode(c.request.networkMode);
    let files: EtcFiles;
    let netnsPath: string | undefined;
    if (mode.kind === 'container') {
      const owner = ctx.namespaceOwner(mode.target);
      netnsPath = `/proc/${owner.pid}/ns/net`;
      files = etcFilePaths(ctx.containerDir(owner.id)); // Docker shares the owner's hosts and resolv.conf
    } else {
      const identity = { id: c.id, name: c.name, hostname: c.config.hostname, ...(c.request.dns?.length ? { dns: c.request.dns } : {}) };
      const requests = endpointRequests(c.request.networks ?? {});
      if (requests.length > 0) endpoints = await ctx.network.allocate(identity, requests, portBindings(c.request, c.config));
      files = await writeEtcFiles(dir, etcOptions(ctx, c, mode.kind === 'host', endpoints));
    }
    const spec = containerSpec(
      c.request,
      c.config,
      {
        rootfs,
        user,
        mounts: containerMounts(etcFileMounts(files), c.config.mounts ?? []),
        cgroupsPath: ctx.cgroupsPath(c.id),
        ...(netnsPath === undefined ? {} : { netnsPath }),
        ...(ctx.initBinary === undefined ? {} : { initBinary: ctx.initBinary }),
      },
      ctx.host,
    );
    await writeFile(path.join(dir, 'config.json'), specToJson(spec), { mode: 0o600 });
    await ctx.driver.delete(c.id, true).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    created = true;
    const pid = await ctx.driver.create(c.id, dir, {
      terminal: c.config.tty,
      stdin: c.config.openStdin,
      logPath: ctx.logPath(c.id),
      leaveStdinOpen: c.config.openStdin && !c.config.stdinOnce,
      name: c.name,
      ...(c.request.logMaxSize === undefined ? {} : { logMaxSize: c.request.logMaxSize }),
    });
    if (endpoints.length > 0) await ctx.network.plumb(c.id, pid);
    await ctx.driver.start(c.id);
    return pid;
  } catch (err) {
    if (created) await ctx.driver.delete(c.id, true).catch(() => undefined);
    await unmountVolumes();
    if (endpoints.length > 0) await ctx.network.release(c.id).catch(() => undefined);
    await ctx.snapshots.unmount(c.id).catch(() => undefined);
    if (err instanceof StartFailure) throw err;
    throw new StartFailure(exitCodeFor(err), failureMessage(err), err);
  }
}

/** The /etc files' inputs: DNS settings, extra hosts and the container's own addresses. */
export function etcOptions(ctx: Pick<LaunchContext, 'network'>, c: StoredContainer, hostNetwork: boolean, endpoints: readonly EndpointRecord[]): Parameters<typeof writeEtcFiles>[1] {
  const primary = endpoints[0];
  const embedded = primary !== undefined && ctx.network.servesDns(ctx.network.get(primary.networkId)) ? primary.gateway : undefined;
  return {
    hostname: hostNetwork && c.request.hostname === undefined ? os.hostname() : c.config.hostname,
    hostNetwork,
    resolv: {
      ...(c.request.dns === undefined ? {} : { dns: c.request.dns }),
      ...(c.request.dnsSearch === undefined ? {} : { dnsSearch: c.request.dnsSearch }),
      ...(c.request.dnsOptions === undefined ? {} : { dnsOptions: c.request.dnsOptions }),
      ...(embedded === undefined ? {} : { embeddedNameserver: embedded }),
    },
    extraHosts: c.request.extraHosts ?? [],
    ...(primary === undefined ? {} : { hostGateway: primary.gateway }),
    own: endpoints.map((e) => ({ ip: e.ip, names: [c.config.hostname] })),
  };
}
