import type { VolumeService } from './volumes/index.js';

/**
 * The volume service of a lazy engine: whether a volume is in use depends on the
 * containers, so every call first opens the container side (which tells the volumes who
 * uses them). `users` and `onEvent` answer at once.
 */
export function volumesAfter(volumes: VolumeService, openSide: () => Promise<unknown>): VolumeService {
  return {
    create: async (request) => (await openSide(), volumes.create(request)),
    get: async (name) => (await openSide(), volumes.get(name)),
    list: async (filters) => (await openSide(), volumes.list(filters)),
    remove: async (name, options) => (await openSide(), volumes.remove(name, options)),
    prune: async (options) => (await openSide(), volumes.prune(options)),
    usage: async () => (await openSide(), volumes.usage()),
    users: (name) => volumes.users(name),
    mount: async (name, ref) => (await openSide(), volumes.mount(name, ref)),
    unmount: async (name, ref) => (await openSide(), volumes.unmount(name, ref)),
    onEvent: (listener) => volumes.onEvent(listener),
  };
}
