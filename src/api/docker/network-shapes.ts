import type { ContainerRecord, NetworkInfo } from '../../engine/index.js';
import { goTime } from './docker-time.js';

/** The engine's networks and a container's network settings in moby's swagger shapes. */

export function networkShape(n: NetworkInfo, withContainers: boolean): object {
  const containers: Record<string, object> = {};
  if (withContainers) {
    for (const e of n.endpoints) {
      containers[e.containerId] = {
        Name: e.containerName,
        EndpointID: e.endpointId,
        MacAddress: e.mac,
        IPv4Address: `${e.ip}/${e.prefixLength}`,
        IPv6Address: '',
      };
    }
  }
  const bridge = n.driver === 'bridge';
  return {
    Name: n.name,
    Id: n.id,
    Created: goTime(n.created),
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: bridge,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: bridge ? {} : null,
      Config: n.subnet === undefined ? [] : [{ Subnet: n.subnet, Gateway: n.gateway }],
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

/** `80/tcp` → bindings, exposed ports without one as null (running containers only, as Docker). */
export function portMap(record: ContainerRecord): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const running = record.state.status === 'running' || record.state.status === 'paused';
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (!running || record.networkMode === 'host' || record.networkMode === 'none' || record.networkMode.startsWith('container:')) return out;
  for (const key of record.config.exposedPorts ?? []) out[key] = null;
  for (const p of record.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    (out[key] ??= []).push({ HostIp: p.hostIp === '' ? '0.0.0.0' : p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

/** The container list's Ports: published bindings, then exposed ports nobody published. */
export function portSummary(record: ContainerRecord): object[] {
  const out: object[] = [];
  for (const [key, bindings] of Object.entries(portMap(record))) {
    const [port = '0', type = 'tcp'] = key.split('/');
    if (bindings === null) out.push({ PrivatePort: Number(port), Type: type });
    else for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

function endpointSettings(record: ContainerRecord, n: ContainerRecord['networks'][number]): object {
  const e = n.endpoint;
  const dnsNames = n.networkName === 'bridge' || e === undefined ? null : [record.name, ...n.aliases, record.id.slice(0, 12)];
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: n.aliases.length > 0 ? n.aliases : null,
    MacAddress: e?.mac ?? '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: n.networkId,
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ip ?? '',
    IPPrefixLen: e?.prefixLength ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: dnsNames,
  };
}

/** Networks keyed by name; host and none containers show that network, as Docker does. */
export function networksShape(record: ContainerRecord, hostNetworks: { host?: string; none?: string } = {}): Record<string, object> {
  const out: Record<string, object> = {};
  for (const n of record.networks) out[n.networkName] = endpointSettings(record, n);
  if (record.networkMode === 'host' || record.networkMode === 'none') {
    out[record.networkMode] = endpointSettings(record, { networkId: hostNetworks[record.networkMode] ?? '', networkName: record.networkMode, aliases: [] });
  }
  return out;
}

export function networkSettingsShape(record: ContainerRecord, hostNetworks: { host?: string; none?: string } = {}): object {
  // The top-level address fields are the default bridge's only (deprecated in the API).
  const bridge = record.networks.find((n) => n.networkName === 'bridge')?.endpoint;
  const running = record.state.status === 'running' || record.state.status === 'paused';
  return {
    Bridge: '',
    SandboxID: running ? record.id : '',
    SandboxKey: running && record.state.pid > 0 ? `/proc/${record.state.pid}/ns/net` : '',
    Ports: portMap(record),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpointId ?? '',
    Gateway: bridge?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefixLength ?? 0,
    IPv6Gateway: '',
    MacAddress: bridge?.mac ?? '',
    Networks: networksShape(record, hostNetworks),
  };
}
