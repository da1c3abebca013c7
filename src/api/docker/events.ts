import type { ContainerEvent, VolumeEvent } from '../../engine/index.js';
import { parseApiTime } from './docker-time.js';
import type { Router } from './http.js';
import { parseFilters } from './http.js';
import { closedPromise, writeChunk } from './streaming.js';

/**
 * `GET /events`: the engine's events as Docker's event messages, newline-delimited.
 * A short history is kept so that `since` can replay what happened just before.
 */

const HISTORY = 1000;

/** Every kind of event the engine reports. */
export type EngineEvent = ContainerEvent | VolumeEvent;

/** An engine service that reports events (containers, volumes). */
export interface EventSource<E extends EngineEvent> {
  onEvent(listener: (event: E) => void): () => void;
}

export class EventLog {
  private readonly history: EngineEvent[] = [];
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  constructor(sources: ReadonlyArray<EventSource<ContainerEvent> | EventSource<VolumeEvent>>) {
    for (const source of sources) {
      (source as EventSource<EngineEvent>).onEvent((event) => {
        this.history.push(event);
        if (this.history.length > HISTORY) this.history.shift();
        for (const listener of this.listeners) listener(event);
      });
    }
  }

  /** Events at or after `since` so far, then every new one until unsubscribed. */
  subscribe(since: Date | undefined, listener: (event: EngineEvent) => void): () => void {
    if (since) for (const event of this.history) if (event.time >= since) listener(event);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/**
 * Docker's JSON for one event; `timeNano` is written exactly, beyond a double's precision.
 * The deprecated status/id/from fields are a container event's only, as in Docker.
 */
export function eventJson(event: EngineEvent): string {
  const ms = event.time.getTime();
  const body = JSON.stringify({
    ...(event.type === 'container' ? { status: event.action, id: event.id, from: event.attributes['image'] ?? '' } : {}),
    Type: event.type,
    Action: event.action,
    Actor: { ID: event.id, Attributes: event.attributes },
    scope: 'local',
    time: Math.floor(ms / 1000),
  });
  return `${body.slice(0, -1)},"timeNano":${(BigInt(ms) * 1_000_000n).toString()}}`;
}

export function eventMatches(event: EngineEvent, filters: Map<string, string[]>): boolean {
  const anyOf = (key: string, test: (value: string) => boolean): boolean => {
    const values = filters.get(key);
    return !values?.length || values.some(test);
  };
  const attrs = event.attributes;
  return (
    anyOf('type', (t) => t === event.type) &&
    anyOf('event', (a) => a === event.action || event.action.startsWith(`${a}:`)) &&
    anyOf('container', (c) => (event.type === 'container' ? event.id.startsWith(c) || attrs['name'] === c : attrs['container']?.startsWith(c) === true)) &&
    anyOf('volume', (v) => event.type === 'volume' && event.id === v) &&
    anyOf('network', (n) => event.type === 'network' && (event.id.startsWith(n) || attrs['name'] === n)) &&
    anyOf('image', (i) => attrs['image'] === i || attrs['image'] === `${i}:latest`) &&
    (filters.get('label') ?? []).every((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? l in attrs : attrs[l.slice(0, eq)] === l.slice(eq + 1);
    })
  );
}

export function eventRoutes(router: Router, log: EventLog): void {
  router.add('GET', /^\/events$/, async ({ res, query }) => {
    const filters = parseFilters(query);
    const sinceRaw = query.get('since');
    const untilRaw = query.get('until');
    const since = sinceRaw ? parseApiTime(sinceRaw, 'since') : undefined;
    const until = untilRaw ? parseApiTime(untilRaw, 'until') : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let queue = Promise.resolve();
    let finished = false;
    let unsubscribe = (): void => undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      unsubscribe();
      void queue.then(() => res.end());
    };
    unsubscribe = log.subscribe(since, (event) => {
      if (finished || !eventMatches(event, filters)) return;
      if (until && event.time > until) return finish();
      queue = queue.then(() => writeChunk(res, eventJson(event) + '\n'));
    });
    const closed = closedPromise(res);
    if (until) {
      const timer = setTimeout(finish, Math.max(0, until.getTime() - Date.now()));
      void closed.then(() => clearTimeout(timer));
    }
    await closed.then(() => {
      finished = true;
      unsubscribe();
    });
  });
}
