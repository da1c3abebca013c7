import type { KubeObject, Strategy } from './types/index.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** `meta.k8s.io/v1` PartialObjectMetadata of an object. */
export function partialMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/**
 * A `meta.k8s.io/v1` Table as `kubectl get` asks for it: the strategy's columns and one row
 * per object, each row carrying the object itself, its metadata, or nothing (includeObject).
 */
export function toTable(s: Strategy, objects: KubeObject[], include: IncludeObject, listMeta: { resourceVersion: string; continue?: string }, now: Date, withColumns = true): KubeObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? s.tableColumns : [],
    rows: objects.map((obj) => ({
      cells: s.tableRow(obj, now),
      ...(include === 'None' ? {} : { object: include === 'Metadata' ? partialMetadata(obj) : obj }),
    })),
  };
}

/** What the Accept header asks for: a Table, PartialObjectMetadata(List), or the objects as they are. */
export type Representation = 'object' | 'table' | 'metadata';

export function representationOf(accept: string | undefined): Representation {
  if (!accept) return 'object';
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    const type = part.split(';')[0]?.trim();
    if (type !== 'application/json' && type !== '*/*') continue;
    const as = params.get('as');
    if (as === undefined) return 'object';
    if (params.get('g') !== 'meta.k8s.io' || (params.get('v') !== 'v1' && params.get('v') !== 'v1beta1')) continue;
    if (as === 'Table') return 'table';
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'metadata';
  }
  return 'object';
}
