/**
 * How the docker CLI renders containers: short IDs, quoted and ellipsized commands,
 * "N minutes ago", port lists, names, and the `stats` figures.
 */

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** Cuts `text` to `width` characters, the last one an ellipsis. */
export function ellipsis(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, width).join('');
  return chars.slice(0, width - 1).join('') + '…';
}

/** The COMMAND column: ellipsized to 20 unless --no-trunc, then quoted like Go's %q. */
export function formatCommand(command: string, trunc = true): string {
  return JSON.stringify(trunc ? ellipsis(command, 20) : command);
}

/** The NAMES column: names without their slash; truncated output drops legacy link names. */
export function formatNames(names: string[] | null | undefined, trunc = true): string {
  const stripped = (names ?? []).map((n) => n.replace(/^\//, ''));
  if (trunc) return stripped.find((n) => !n.includes('/')) ?? '';
  return stripped.join(',');
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** The PORTS column: `0.0.0.0:8080->80/tcp, 9000-9002/tcp`, consecutive ports grouped. */
export function formatPorts(ports: PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(
    (a, b) => a.PrivatePort - b.PrivatePort || (a.IP ?? '').localeCompare(b.IP ?? '') || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || a.Type.localeCompare(b.Type),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  for (const port of sorted) {
    let key = port.Type;
    if (port.IP) {
      if (port.PublicPort !== port.PrivatePort) {
        mappings.push(`${hostPort(port.IP, String(port.PublicPort ?? 0))}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (group && port.PrivatePort === group.last + 1) {
      group.last = port.PrivatePort;
      continue;
    }
    if (group) result.push(formatGroup(key, group.first, group.last));
    groups.set(key, { first: port.PrivatePort, last: port.PrivatePort });
  }
  for (const [key, group] of groups) result.push(formatGroup(key, group.first, group.last));
  return [...result, ...mappings].join(', ');
}

function formatGroup(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  const range = first === last ? String(first) : `${first}-${last}`;
  return `${ip ? `${hostPort(ip, range)}->${range}` : range}/${type}`;
}

const hostPort = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Go's units.HumanDuration, which docker's "CREATED" and "Up …" use. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** The CREATED column from a summary's `Created` (Unix seconds). */
export const runningFor = (created: number, now = Date.now()): string => `${humanDuration(now - created * 1000)} ago`;

/**
 * The STATUS column: the daemon's text when it sends one, else one made from the state
 * the way the daemon words it.
 */
export function formatStatus(summary: { Status?: string; State?: string }): string {
  if (summary.Status) return summary.Status;
  const state = summary.State ?? '';
  return state ? state[0]?.toUpperCase() + state.slice(1) : '';
}

const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

function scaled(bytes: number, base: number, units: string[], precision: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  return `${Number(value.toPrecision(precision))}${units[unit]}`;
}

/** Go's units.BytesSize: `1.5MiB`. */
export const bytesSize = (bytes: number): string => scaled(bytes, 1024, binaryUnits, 4);
/** Go's units.HumanSizeWithPrecision(n, 3): `1.23kB`. */
export const decimalSize = (bytes: number): string => scaled(bytes, 1000, decimalUnits, 3);

/** The parts of `GET /containers/{id}/stats` that the table uses. */
export interface StatsResponse {
  id?: string;
  name?: string;
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
}

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** CPU % as docker computes it: the container's share of the host's CPU time since the last sample, times the CPUs. */
export function cpuPercent(stats: StatsResponse): number {
  const cpu = stats.cpu_stats;
  const pre = stats.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Memory in use without the page cache (cgroup v1 `total_inactive_file`, v2 `inactive_file`). */
export function memoryUsage(stats: StatsResponse): number {
  const usage = stats.memory_stats?.usage ?? 0;
  const extra = stats.memory_stats?.stats ?? {};
  const v1 = extra['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = extra['inactive_file'] ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export interface StatsRow {
  ID: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

export function statsRow(id: string, stats: StatsResponse): StatsRow {
  const used = memoryUsage(stats);
  const limit = stats.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(stats.networks ?? {})) {
    rx += net.rx_bytes ?? 0;
    tx += net.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === 'read') read += entry.value;
    else if (op === 'write') write += entry.value;
  }
  return {
    ID: shortId(stats.id ?? id),
    Name: (stats.name ?? '').replace(/^\//, '') || '--',
    CPUPerc: `${cpuPercent(stats).toFixed(2)}%`,
    MemUsage: `${bytesSize(used)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${decimalSize(rx)} / ${decimalSize(tx)}`,
    BlockIO: `${decimalSize(read)} / ${decimalSize(write)}`,
    PIDs: String(stats.pids_stats?.current ?? 0),
  };
}

/** Go's RFC3339NanoFixed in local time: `2024-05-01T12:00:00.123456789+02:00`. */
export function formatEventTime(timeNano: bigint): string {
  const ms = Number(timeNano / 1_000_000n);
  const nanos = String(timeNano % 1_000_000_000n).padStart(9, '0');
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${nanos}${zone}`;
}
