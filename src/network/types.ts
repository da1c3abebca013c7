/**
 * The network layer's model: networks (Linux bridges with an address plan, or the
 * host's / no network), and endpoints (a container's place on one network). It knows
 * nothing of Docker's JSON shapes or of containers beyond their id, name and pid.
 */
export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  created: Date;
  /** The predefined `bridge`, `host` and `none` networks cannot be removed. */
  builtin: boolean;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Bridge networks only. */
  subnet?: string;
  /** berth chose the subnet (none was asked for): it may move while nothing uses it. */
  autoSubnet?: boolean;
  gateway?: string;
  /** The Linux bridge's name. */
  bridge?: string;
}

export interface NetworkCreateRequest {
  name: string;
  /** Only `bridge` (the default) can be created. */
  driver?: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  /** `com.docker.network.bridge.name` names the bridge. */
  options?: Record<string, string>;
}

export interface PortBinding {
  protocol: 'tcp' | 'udp';
  containerPort: number;
  /** '' for every host address. */
  hostIp: string;
  /** 0 asks for a free port. */
  hostPort: number;
}

export interface EndpointRequest {
  /** Network name or ID. */
  network: string;
  aliases?: string[];
  /** A fixed address (`--ip`). */
  ipv4Address?: string;
}

export interface ContainerIdentity {
  id: string;
  name: string;
  hostname: string;
  /** The container's own resolvers (`--dns`): its network's DNS forwards its other names there. */
  dns?: string[];
}

export interface EndpointRecord {
  endpointId: string;
  containerId: string;
  containerName: string;
  networkId: string;
  networkName: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  /** The host end of the veth pair, and the name inside the container. */
  hostVeth: string;
  ifName: string;
  aliases: string[];
  /** Names the network's DNS answers with this endpoint's address. */
  dnsNames: string[];
  /** Published ports, resolved to real host ports. */
  ports: PortBinding[];
  /** Where the network's DNS forwards this container's other names (its `--dns`), instead of the daemon's. */
  dnsUpstreams?: string[];
}

export interface NetworkPruneFilters {
  labels?: string[];
  until?: Date;
}
