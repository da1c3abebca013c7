import type { NetworkService } from './networks/service.js';

/**
 * The engine's network service, reached once the container side is open (networks are
 * plumbed into containers, so they open with it; a lazy engine opens both on first use).
 */
export function networksAfter(open: () => Promise<NetworkService>): NetworkService {
  const listeners = new Map<Parameters<NetworkService['onEvent']>[0], () => void>();
  let opened: NetworkService | undefined;
  const ready = async (): Promise<NetworkService> => {
    if (opened === undefined) {
      opened = await open();
      for (const listener of listeners.keys()) listeners.set(listener, opened.onEvent(listener));
    }
    return opened;
  };
  return {
    list: async () => (await ready()).list(),
    get: async (idOrName) => (await ready()).get(idOrName),
    create: async (request) => (await ready()).create(request),
    remove: async (idOrName) => (await ready()).remove(idOrName),
    prune: async (filters) => (await ready()).prune(filters),
    connect: async (network, container, settings) => (await ready()).connect(network, container, settings),
    disconnect: async (network, container, options) => (await ready()).disconnect(network, container, options),
    onEvent: (listener) => {
      if (opened !== undefined) return opened.onEvent(listener);
      listeners.set(listener, () => undefined);
      return () => {
        listeners.get(listener)?.();
        listeners.delete(listener);
      };
    },
  };
}
