import type { ContainerRecord, ContainerState, HealthcheckConfig } from '../../engine/index.js';
import { goTime, humanDuration, unixSeconds } from './docker-time.js';
import { mountPoints, mountsShape, volumesShape } from './mount-shapes.js';
import { networkSettingsShape, networksShape, portSummary } from './network-shapes.js';

/** The engine's container records in Docker's JSON shapes (list summary and inspect). */

const isUp = (state: ContainerState): boolean =>
  state.status === 'running' || state.status === 'paused' || state.status === 'restarting';

function healthSuffix(state: ContainerState): string {
  switch (state.health?.status) {
    case 'starting':
      return ' (health: starting)';
    case 'healthy':
      return ' (healthy)';
    case 'unhealthy':
      return ' (unhealthy)';
    default:
      return '';
  }
}

/** `docker ps`' STATUS column: "Up 3 seconds", "Exited (0) 2 seconds ago", "Created"… */
export function statusText(state: ContainerState, now = new Date()): string {
  const since = (date: Date | undefined): string => humanDuration(now.getTime() - (date?.getTime() ?? now.getTime()));
  switch (state.status) {
    case 'paused':
      return `Up ${since(state.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${state.exitCode}) ${since(state.finishedAt)} ago`;
    case 'running':
      return `Up ${since(state.startedAt)}${healthSuffix(state)}`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return state.finishedAt ? `Exited (${state.exitCode}) ${since(state.finishedAt)} ago` : 'Created';
  }
}

export function commandLine(record: ContainerRecord): string {
  return [record.config.path, ...record.config.args].join(' ');
}

const networkMode = (record: ContainerRecord): string => record.networkMode;

/** `80/tcp` → [{HostIp, HostPort}] as the request gave them (HostConfig.PortBindings). */
function portBindingsShape(record: ContainerRecord): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const [key, bindings] of Object.entries(record.request.portBindings ?? {})) {
    out[key] = (bindings ?? []).map((b) => ({ HostIp: b.hostIp ?? '', HostPort: b.hostPort ?? '' }));
  }
  return out;
}

export function containerSummary(record: ContainerRecord, now = new Date()): object {
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.image,
    ImageID: record.imageId,
    Command: commandLine(record),
    Created: unixSeconds(record.created),
    Ports: portSummary(record),
    Labels: record.config.labels,
    State: record.state.status,
    Status: statusText(record.state, now),
    HostConfig: { NetworkMode: networkMode(record) },
    NetworkSettings: { Networks: networksShape(record) },
    Mounts: mountPoints(record),
  };
}

function stateShape(state: ContainerState): object {
  return {
    Status: state.status,
    Running: isUp(state),
    Paused: state.status === 'paused',
    Restarting: state.status === 'restarting',
    OOMKilled: state.oomKilled,
    Dead: state.status === 'dead',
    Pid: state.pid,
    ExitCode: state.exitCode,
    Error: state.error,
    StartedAt: goTime(state.startedAt),
    FinishedAt: goTime(state.finishedAt),
    ...(state.health
      ? {
          Health: {
            Status: state.health.status,
            FailingStreak: state.health.failingStreak,
            Log: state.health.log.map((entry) => ({
              Start: goTime(entry.start),
              End: goTime(entry.end),
              ExitCode: entry.exitCode,
              Output: entry.output,
            })),
          },
        }
      : {}),
  };
}

const msToNs = (ms: number | undefined): number => (ms ?? 0) * 1e6;

function healthcheckShape(check: HealthcheckConfig): object {
  return {
    Test: check.test,
    Interval: msToNs(check.intervalMs),
    Timeout: msToNs(check.timeoutMs),
    StartPeriod: msToNs(check.startPeriodMs),
    Retries: check.retries ?? 0,
  };
}

function hostConfigShape(record: ContainerRecord): object {
  const r = record.request;
  const limits = r.resources ?? {};
  return {
    Binds: r.binds ?? null,
    ContainerIDFile: '',
    LogConfig: { Type: 'k8s-file', Config: r.logMaxSize === undefined ? {} : { 'max-size': String(r.logMaxSize) } },
    NetworkMode: networkMode(record),
    PortBindings: portBindingsShape(record),
    RestartPolicy: { Name: r.restartPolicy?.name ?? 'no', MaximumRetryCount: r.restartPolicy?.maximumRetryCount ?? 0 },
    AutoRemove: r.autoRemove ?? false,
    VolumeDriver: '',
    VolumesFrom: r.volumesFrom ?? null,
    ...(r.mounts === undefined ? {} : { Mounts: mountsShape(r.mounts) }),
    ...(r.tmpfs === undefined ? {} : { Tmpfs: r.tmpfs }),
    ConsoleSize: [0, 0],
    CapAdd: r.capAdd ?? null,
    CapDrop: r.capDrop ?? null,
    CgroupnsMode: 'private',
    Dns: r.dns ?? [],
    DnsOptions: r.dnsOptions ?? [],
    DnsSearch: r.dnsSearch ?? [],
    ExtraHosts: r.extraHosts ?? null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: r.privileged ?? false,
    PublishAllPorts: r.publishAllPorts ?? false,
    ReadonlyRootfs: r.readonlyRootfs ?? false,
    SecurityOpt: r.securityOpt ?? null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'runc',
    Isolation: '',
    CpuShares: limits.cpuShares ?? 0,
    Memory: limits.memory ?? 0,
    NanoCpus: limits.nanoCpus ?? 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: limits.cpuPeriod ?? 0,
    CpuQuota: limits.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: limits.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: limits.pidsLimit ?? null,
    Ulimits: (r.ulimits ?? []).map((u) => ({ Name: u.name, Hard: u.hard, Soft: u.soft })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Init: r.init ?? null,
  };
}

function configShape(record: ContainerRecord): object {
  const c = record.config;
  return {
    Hostname: c.hostname,
    Domainname: '',
    User: c.user,
    AttachStdin: c.openStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: c.tty,
    OpenStdin: c.openStdin,
    StdinOnce: c.stdinOnce,
    Env: c.env,
    ...(c.exposedPorts?.length ? { ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [p, {}])) } : {}),
    Cmd: c.cmd.length ? c.cmd : null,
    ...(c.healthcheck ? { Healthcheck: healthcheckShape(c.healthcheck) } : {}),
    Image: record.image,
    Volumes: volumesShape(record.config.volumes),
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint.length ? c.entrypoint : null,
    OnBuild: null,
    Labels: c.labels,
    StopSignal: c.stopSignal,
    StopTimeout: c.stopTimeoutSeconds,
  };
}

export function containerInspect(record: ContainerRecord, execIds: string[] = [], hostNetworks: { host?: string; none?: string } = {}): object {
  return {
    Id: record.id,
    Created: goTime(record.created),
    Path: record.config.path,
    Args: record.config.args,
    State: stateShape(record.state),
    Image: record.imageId,
    ResolvConfPath: record.etcFiles.resolvConf,
    HostnamePath: record.etcFiles.hostname,
    HostsPath: record.etcFiles.hosts,
    LogPath: record.logPath,
    Name: `/${record.name}`,
    RestartCount: record.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: hostConfigShape(record),
    GraphDriver: { Name: 'overlay2', Data: { MergedDir: record.rootfsPath } },
    Mounts: mountPoints(record),
    Config: configShape(record),
    NetworkSettings: networkSettingsShape(record, hostNetworks),
  };
}
