import { errorKind } from '../../lib/index.js';
import type { WatchEvent as StoreEvent } from '../storage/index.js';
import { decodeObject, matches, parseResourceVersion, type ObjectService, type Scope } from './objects.js';
import { statusOf } from './status.js';
import { parseFieldSelector, parseLabelSelector, type KubeObject } from './types/index.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchRequest {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  /** How often a BOOKMARK is sent when bookmarks are allowed. */
  bookmarkIntervalMs: number;
}

/** Decoded objects of a store event, shared by every watcher the store hands the same event to. */
interface Decoded {
  object: KubeObject;
  previous: KubeObject | undefined;
}
const decodedEvents = new WeakMap<StoreEvent, Decoded>();

function decode(ev: StoreEvent): Decoded {
  let d = decodedEvents.get(ev);
  if (!d) {
    const kv = { key: ev.key, value: ev.type === 'DELETE' ? (ev.prevValue ?? Buffer.from('{}')) : ev.value, createRevision: ev.createRevision, modRevision: ev.modRevision, version: 0 };
    const object = decodeObject(kv);
    const previous = ev.prevValue ? decodeObject({ ...kv, value: ev.prevValue }) : undefined;
    d = { object, previous };
    decodedEvents.set(ev, d);
  }
  return d;
}

/**
 * A Kubernetes watch over the store: initial ADDED events when asked for (no
 * resourceVersion, "0", or sendInitialEvents), then every change after the starting
 * revision, filtered by the selectors (an object leaving the selection is DELETED, one
 * entering it ADDED), BOOKMARKs, and an ERROR event with a 410 Expired Status when the
 * history needed was compacted. Objects are shared between watchers: read-only.
 */
export async function* watchObjects(objects: ObjectService, scope: Scope, request: WatchRequest, signal: AbortSignal): AsyncGenerator<ApiWatchEvent> {
  const labels = request.labelSelector ? parseLabelSelector(request.labelSelector) : undefined;
  const fields = request.fieldSelector ? parseFieldSelector(request.fieldSelector) : undefined;
  const s = scope.strategy;
  const select = (obj: KubeObject | undefined): boolean => obj !== undefined && matches(s, obj, labels, fields);
  const rv = request.resourceVersion ?? '';
  let from: number;
  const initial = request.sendInitialEvents === true || rv === '' || rv === '0';
  if (initial) {
    const list = await objects.list(scope, {
      ...(request.labelSelector ? { labelSelector: request.labelSelector } : {}),
      ...(request.fieldSelector ? { fieldSelector: request.fieldSelector } : {}),
      ...(request.sendInitialEvents && rv !== '' && rv !== '0' ? { resourceVersion: rv, resourceVersionMatch: 'NotOlderThan' } : {}),
    });
    for (const object of list.items) yield { type: 'ADDED', object };
    from = Number(list.resourceVersion);
    if (request.sendInitialEvents) yield bookmark(s.type, from, true);
  } else {
    from = parseResourceVersion(rv);
  }
  const watch = objects.store.watch({ prefix: objects.prefix(scope), fromRevision: from });
  const onAbort = (): void => watch.close();
  signal.addEventListener('abort', onAbort);
  let last = from;
  const queue: (ApiWatchEvent | 'tick')[] = [];
  let wake: (() => void) | undefined;
  const push = (item: ApiWatchEvent | 'tick'): void => {
    queue.push(item);
    wake?.();
  };
  const timer = request.allowWatchBookmarks ? setInterval(() => push('tick'), request.bookmarkIntervalMs) : undefined;
  let finished = false;
  const pump = (async (): Promise<void> => {
    try {
      for await (const ev of watch) {
        last = ev.modRevision;
        const { object, previous } = decode(ev);
        const now = ev.type === 'PUT' && select(object);
        const before = select(previous);
        if (ev.type === 'DELETE') {
          if (before) push({ type: 'DELETED', object });
        } else if (now) push({ type: before ? 'MODIFIED' : 'ADDED', object });
        else if (before) push({ type: 'DELETED', object });
      }
    } catch (err) {
      const gone = errorKind(err) === 'gone';
      const message = gone ? `too old resource version: ${from}` : err instanceof Error ? err.message : String(err);
      push({ type: 'ERROR', object: statusOf(gone ? 410 : 500, gone ? 'Expired' : 'InternalError', message) as unknown as KubeObject });
    } finally {
      finished = true;
      wake?.();
    }
  })();
  try {
    for (;;) {
      const item = queue.shift();
      if (item === undefined) {
        if (finished || signal.aborted) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (item === 'tick') yield bookmark(s.type, last, false);
      else yield item;
    }
  } finally {
    if (timer) clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
    watch.close();
    await pump;
  }
}

function bookmark(type: { group: string; version: string; kind: string }, rv: number, initialEnd: boolean): ApiWatchEvent {
  return {
    type: 'BOOKMARK',
    object: {
      kind: type.kind,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      metadata: { resourceVersion: String(rv), ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    },
  };
}
