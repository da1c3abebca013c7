import type { EndpointRecord, NetworkCreateRequest, NetworkManager, NetworkPruneFilters, NetworkRecord } from '../../network/index.js';
import type { ContainerService, EndpointSettings } from '../containers/types.js';

/** A network and the containers on it (Docker's network inspect). */
export interface NetworkInfo extends NetworkRecord {
  endpoints: EndpointRecord[];
}

/** The engine's networks: the network layer's, with connect/disconnect going through the containers. */
export interface NetworkService {
  list(): NetworkInfo[];
  get(idOrName: string): NetworkInfo;
  create(request: NetworkCreateRequest): Promise<NetworkInfo>;
  remove(idOrName: string): Promise<void>;
  prune(filters?: NetworkPruneFilters): Promise<string[]>;
  connect(network: string, container: string, settings?: EndpointSettings): Promise<void>;
  disconnect(network: string, container: string, options?: { force?: boolean }): Promise<void>;
}

export class LocalNetworkService implements NetworkService {
  constructor(
    private readonly manager: NetworkManager,
    private readonly containers: ContainerService,
  ) {}

  private info(n: NetworkRecord): NetworkInfo {
    return { ...n, endpoints: this.manager.endpointsOn(n.id) };
  }

  list(): NetworkInfo[] {
    return this.manager.list().map((n) => this.info(n));
  }

  get(idOrName: string): NetworkInfo {
    return this.info(this.manager.get(idOrName));
  }

  async create(request: NetworkCreateRequest): Promise<NetworkInfo> {
    return this.info(await this.manager.create(request));
  }

  remove(idOrName: string): Promise<void> {
    return this.manager.remove(idOrName);
  }

  prune(filters?: NetworkPruneFilters): Promise<string[]> {
    return this.manager.prune(filters);
  }

  connect(network: string, container: string, settings?: EndpointSettings): Promise<void> {
    return this.containers.connectNetwork(container, network, settings);
  }

  disconnect(network: string, container: string, options?: { force?: boolean }): Promise<void> {
    return this.containers.disconnectNetwork(container, network, options);
  }
}
