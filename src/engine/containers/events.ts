import type { ContainerEvent } from './types.js';

type Listener = (event: ContainerEvent) => void;

/** Fan-out of container events; a throwing listener never disturbs the others. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(action: string, id: string, attributes: Record<string, string>): void {
    this.emitTyped('container', action, id, attributes);
  }

  emitTyped(type: ContainerEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    const event: ContainerEvent = { type, action, id, attributes, time: new Date() };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
