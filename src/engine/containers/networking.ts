import { conflict, invalidArgument, notFound } from '../../lib/index.js';
import type { EndpointRequest, NetworkManager, PortBinding } from '../../network/index.js';
import { extraHostLines } from './etc-files.js';
import type { ContainerConfig, ContainerCreateRequest, EndpointSettings } from './types.js';

/** What a container's network namespace is: its own on networks, the host's, loopback only, or another container's. */
export type NetworkModeSpec = { kind: 'networks'; primary: string } | { kind: 'host' } | { kind: 'none' } | { kind: 'container'; target: string };

export function parseNetworkMode(mode: string | undefined): NetworkModeSpec {
  if (mode === undefined || mode === '' || mode === 'default' || mode === 'bridge') return { kind: 'networks', primary: 'bridge' };
  if (mode === 'host') return { kind: 'host' };
  if (mode === 'none') return { kind: 'none' };
  if (mode.startsWith('container:')) {
    const target = mode.slice('container:'.length);
    if (target === '') throw invalidArgument('invalid network mode "container:": a container name or ID is required');
    return { kind: 'container', target };
  }
  return { kind: 'networks', primary: mode };
}

const PORT_KEY = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i;

function containerPort(key: string): { port: number; protocol: 'tcp' | 'udp' } {
  const m = PORT_KEY.exec(key);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw invalidArgument(`invalid port ${JSON.stringify(key)}: expected PORT[/tcp|/udp]`);
  const protocol = (m[2] ?? 'tcp').toLowerCase();
  if (protocol === 'sctp') throw invalidArgument(`invalid port ${key}: sctp cannot be published here`);
  return { port, protocol: protocol as 'tcp' | 'udp' };
}

function hostPort(text: string | undefined, key: string): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw invalidArgument(`invalid host port ${JSON.stringify(text)} for ${key}: expected a number 0-65535 (ranges are not supported)`);
  return Number(text);
}

/** Docker's PortBindings plus, with PublishAllPorts, every other exposed port on a free host port. */
export function portBindings(request: ContainerCreateRequest, config: ContainerConfig): PortBinding[] {
  const out: PortBinding[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(request.portBindings ?? {})) {
    const { port, protocol } = containerPort(key);
    bound.add(`${port}/${protocol}`);
    const list = bindings === null || bindings.length === 0 ? [{}] : bindings;
    for (const b of list) {
      const hostIp = b.hostIp === undefined || b.hostIp === '0.0.0.0' ? '' : b.hostIp;
      out.push({ protocol, containerPort: port, hostIp, hostPort: hostPort(b.hostPort, key) });
    }
  }
  if (request.publishAllPorts === true) {
    for (const key of config.exposedPorts ?? []) {
      const { port, protocol } = containerPort(key);
      if (!bound.has(`${port}/${protocol}`)) out.push({ protocol, containerPort: port, hostIp: '', hostPort: 0 });
    }
  }
  return out;
}

/**
 * Checks a create request's network settings and returns the networks it joins, keyed by
 * network name, the mode's network first (Docker's NetworkSettings.Networks).
 */
export function resolveNetworks(
  request: ContainerCreateRequest,
  config: ContainerConfig,
  net: Pick<NetworkManager, 'get'>,
  containerExists: (idOrName: string) => boolean,
): Record<string, EndpointSettings> {
  const mode = parseNetworkMode(request.networkMode);
  for (const key of [...Object.keys(request.portBindings ?? {}), ...(request.exposedPorts ?? [])]) containerPort(key);
  portBindings(request, config);
  extraHostLines(request.extraHosts ?? [], '0.0.0.0');
  for (const ns of request.dns ?? []) {
    if (!/^[0-9a-fA-F.:]+$/.test(ns)) throw invalidArgument(`invalid --dns ${JSON.stringify(ns)}: not an IP address`);
  }
  const extra = Object.entries(request.networks ?? {});
  if (mode.kind === 'container') {
    if (!containerExists(mode.target)) throw notFound(`No such container: ${mode.target}`);
    if (Object.keys(request.portBindings ?? {}).length > 0 || request.publishAllPorts === true) {
      throw invalidArgument('conflicting options: port publishing and the container type network mode');
    }
    if (request.hostname !== undefined && request.hostname !== '') throw invalidArgument('conflicting options: hostname and the network mode');
    if ((request.dns ?? []).length > 0) throw invalidArgument('conflicting options: dns and the network mode');
    if ((request.extraHosts ?? []).length > 0) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
  }
  if (mode.kind !== 'networks') {
    if (extra.some(([name]) => name !== mode.kind)) {
      throw invalidArgument(`container sharing network namespace with another container or host cannot be connected to any other network`);
    }
    return {};
  }
  const primary = net.get(mode.primary);
  if (primary.driver === 'host' || primary.driver === 'null') return {};
  const out: Record<string, EndpointSettings> = {};
  const settingsFor = (name: string, id: string): EndpointSettings => {
    const hit = extra.find(([key]) => key === name || key === id);
    return hit === undefined ? {} : clean(hit[1]);
  };
  out[primary.name] = settingsFor(primary.name, primary.id);
  for (const [key, settings] of extra) {
    const n = net.get(key);
    if (n.id === primary.id) continue;
    if (n.driver !== 'bridge') throw invalidArgument(`container cannot be connected to network ${n.name} and to another network`);
    out[n.name] = clean(settings);
  }
  for (const [name, settings] of Object.entries(out)) {
    if (!net.get(name).builtin) continue;
    if (settings.aliases !== undefined) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    if (settings.ipv4Address !== undefined) throw invalidArgument('user specified IP address is supported on user defined networks only');
  }
  return out;
}

function clean(s: EndpointSettings): EndpointSettings {
  const out: EndpointSettings = {};
  if (s.aliases !== undefined && s.aliases.length > 0) out.aliases = [...s.aliases];
  if (s.ipv4Address !== undefined && s.ipv4Address !== '') out.ipv4Address = s.ipv4Address;
  return out;
}

/** The endpoints to allocate at start, in the order of the container's networks. */
export function endpointRequests(networks: Record<string, EndpointSettings>): EndpointRequest[] {
  return Object.entries(networks).map(([network, s]) => ({ network, ...clean(s) }));
}

export const notRunningForNetwork = (id: string): Error => conflict(`container ${id} is not running`);
