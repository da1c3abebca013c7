import type { EndpointRecord, NetworkCreateRequest, NetworkManager, NetworkPruneFilters, NetworkRecord } from '../../network/index.js';
import type { ContainerEvent, ContainerService, EndpointSettings } from '../containers/types.js';

/** A network and the containers on it (Docker's network inspect). */
export interface NetworkInfo extends NetworkRecord {
  endpoints: EndpointRecord[];
}

/** The engine's networks: the network layer's, with connect/disconnect going through the containers. */
export interface NetworkService {
  list(): Promise<NetworkInfo[]>;
  get(idOrName: string): Promise<NetworkInfo>;
  create(request: NetworkCreateRequest): Promise<NetworkInfo>;
  remove(idOrName: string): Promise<void>;
  prune(filters?: NetworkPruneFilters): Promise<string[]>;
  connect(network: string, container: string, settings?: EndpointSettings): Promise<void>;
  disconnect(network: string, container: string, options?: { force?: boolean }): Promise<void>;
  /** Networks created and destroyed (connect and disconnect come with the containers' events). */
  onEvent(listener: (event: ContainerEvent) => void): () => void;
}

export class LocalNetworkService implements NetworkService {
  private readonly listeners = new Set<(event: ContainerEvent) => void>();

  constructor(
    private readonly manager: NetworkManager,
    private readonly containers: ContainerService,
  ) {}

  private info(n: NetworkRecord): NetworkInfo {
    return { ...n, endpoints: this.manager.endpointsOn(n.id) };
  }

  async list(): Promise<NetworkInfo[]> {
    return this.manager.list().map((n) => this.info(n));
  }

  async get(idOrName: string): Promise<NetworkInfo> {
    return this.info(this.manager.get(idOrName));
  }

  async create(request: NetworkCreateRequest): Promise<NetworkInfo> {
    const created = await this.manager.create(request);
    this.emit('create', created);
    return this.info(created);
  }

  async remove(idOrName: string): Promise<void> {
    const n = this.manager.get(idOrName);
    await this.manager.remove(n.id);
    this.emit('destroy', n);
  }

  async prune(filters?: NetworkPruneFilters): Promise<string[]> {
    const before = new Map(this.manager.list().map((n) => [n.name, n]));
    const removed = await this.manager.prune(filters);
    for (const name of removed) {
      const n = before.get(name);
      if (n !== undefined) this.emit('destroy', n);
    }
    return removed;
  }

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(action: string, n: NetworkRecord): void {
    const event: ContainerEvent = { type: 'network', action, id: n.id, attributes: { name: n.name, type: n.driver }, time: new Date() };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  connect(network: string, container: string, settings?: EndpointSettings): Promise<void> {
    return this.containers.connectNetwork(container, network, settings);
  }

  disconnect(network: string, container: string, options?: { force?: boolean }): Promise<void> {
    return this.containers.disconnectNetwork(container, network, options);
  }
}
