import { isAlreadyExists, isConflict, isGone, isNotFound } from '../../lib/index.js';
import type { KeyValue, Store } from '../storage/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, ApplyConflictError, serverSideApply, trackUpdate } from './patch/index.js';
import { clone, deepEqual, deleteFieldPath, finalizersOf, generatedName, newUid, specOf, timestamp } from './object-meta.js';
import { storageKey, storagePrefix } from './resources.js';
import { dropTypeDependentFields, type ServiceAllocator } from './service-allocator.js';
import { ApiError, alreadyExistsError, badRequest, conflictError, forbiddenError, goneError, invalidError, notFoundError } from './status.js';
import { parseFieldSelector, parseLabelSelector, type FieldCause, type FieldSelector, type KubeObject, type LabelSelector, type Strategy } from './types/index.js';

/** Which collection a request addresses: a resource, and its namespace when namespaced. */
export interface Scope {
  strategy: Strategy;
  namespace?: string;
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** Filled with warnings for the `Warning` response header. */
  warnings: string[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** A write's outcome: the object as stored (or as it would be, on dry run). */
export interface WriteResult {
  object: KubeObject;
  created: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** False while finalizers or a grace period keep the object (HTTP 202). */
  deleted: boolean;
}

export const gcFinalizers = { orphan: 'orphan', foreground: 'foregroundDeletion' } as const;

/** Resources whose PUT creates a missing object, as their Kubernetes strategies allow. */
const createOnUpdate = new Set(['events', 'endpoints', 'leases', 'endpointslices']);
/** Resources whose create keeps the status sent (a node registers itself with its status). */
const statusOnCreate = new Set(['nodes', 'events']);

const retries = 16;
const storageChunk = 1000;

export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value.toString('utf8')) as KubeObject;
  (obj.metadata ??= {}).resourceVersion = String(kv.modRevision);
  return obj;
}

function encodeObject(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, selfLink: _s, ...metadata } = obj.metadata ?? {};
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

const apiVersionOf = (s: Strategy): string => (s.type.group ? `${s.type.group}/${s.type.version}` : s.type.version);

/**
 * The Kubernetes object semantics over the revisioned store: names and uids, resourceVersion
 * as the storage revision with optimistic concurrency, generation, status kept apart,
 * defaulting and validation, field validation, dry run, managedFields, finalizers and
 * graceful deletion, selectors and paged lists. HTTP is the caller's business.
 */
export class ObjectService {
  constructor(
    readonly store: Store,
    /** Cluster IPs and node ports of new Services. */
    private readonly services?: ServiceAllocator,
    private readonly now: () => Date = () => new Date(),
  ) {}

  key(scope: Scope, name: string): string {
    return storageKey(scope.strategy.type.group, scope.strategy.type.plural, scope.strategy.type.namespaced ? scope.namespace : undefined, name);
  }

  /** Storage prefix of a collection: one namespace, or every namespace when none is given. */
  prefix(scope: Scope): string {
    const base = storagePrefix(scope.strategy.type.group, scope.strategy.type.plural);
    return scope.strategy.type.namespaced && scope.namespace ? `${base}${scope.namespace}/` : base;
  }

  async get(scope: Scope, name: string): Promise<KubeObject> {
    const kv = await this.store.get(this.key(scope, name));
    if (!kv) throw notFoundError(scope.strategy.type, name);
    return decodeObject(kv);
  }

  async list(scope: Scope, options: ListOptions): Promise<ListResult> {
    const labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined;
    const fields = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : undefined;
    const prefix = this.prefix(scope);
    let revision = 0;
    let after: string | undefined;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      revision = token.rv;
      after = prefix + token.start;
    } else if (options.resourceVersion && options.resourceVersion !== '0') {
      const rv = parseResourceVersion(options.resourceVersion);
      const exact = options.resourceVersionMatch === 'Exact' || (options.resourceVersionMatch === undefined && options.limit);
      if (exact) revision = rv;
      else if (rv > (await this.store.currentRevision())) throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${await this.store.currentRevision()}`);
    }
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const items: KubeObject[] = [];
    for (;;) {
      // Storage is read in chunks at one revision: bounded reads (etcd's gRPC messages are capped) and memory.
      const want = Math.min(storageChunk, limit ? Math.max(limit - items.length, labels || fields ? 500 : 0) : storageChunk);
      let page;
      try {
        page = await this.store.list({ prefix, ...(want ? { limit: want } : {}), ...(after !== undefined ? { continueAfterKey: after } : {}), ...(revision ? { revision } : {}) });
      } catch (err) {
        if (isGone(err)) {
          throw goneError(
            options.continue
              ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
              : `The resourceVersion for the provided list is too old.`,
          );
        }
        throw err;
      }
      revision = page.revision;
      for (const kv of page.items) {
        after = kv.key;
        const obj = decodeObject(kv);
        if (!matches(scope.strategy, obj, labels, fields)) continue;
        items.push(obj);
        if (limit && items.length === limit) {
          const more = kv !== page.items[page.items.length - 1] || page.more;
          return { items, resourceVersion: String(revision), ...(more ? { continue: encodeContinue(revision, kv.key.slice(prefix.length)) } : {}) };
        }
      }
      if (!page.more) return { items, resourceVersion: String(revision) };
    }
  }

  /** Every key under a prefix at one revision, read in chunks. */
  async scan(prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
    const items: KeyValue[] = [];
    let revision = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list({ prefix, limit: storageChunk, ...(after !== undefined ? { continueAfterKey: after } : {}), ...(revision ? { revision } : {}) });
      revision = page.revision;
      items.push(...page.items);
      after = page.items[page.items.length - 1]?.key;
      if (!page.more || after === undefined) return { items, revision };
    }
  }

  /** POST. `applied` marks an object server-side apply made, whose managedFields are already right. */
  async create(scope: Scope, body: KubeObject, opts: WriteOptions, applied = false): Promise<KubeObject> {
    const s = scope.strategy;
    checkKind(s, body);
    const obj = clone(body);
    const meta = (obj.metadata ??= {}) as KubeObject;
    this.setNamespace(scope, meta);
    if (s.type.namespaced) await this.checkNamespaceOpen(scope, meta.name ?? meta.generateName ?? '');
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink']) delete meta[f];
    if (!applied) delete meta.managedFields;
    if (s.type.hasStatus && !statusOnCreate.has(s.type.plural)) delete obj.status;
    this.checkFields(s, obj, opts);
    meta.uid = newUid();
    meta.creationTimestamp = timestamp(this.now());
    if (s.type.usesGeneration) meta.generation = 1;
    const generate = !meta.name && typeof meta.generateName === 'string' && meta.generateName !== '';
    for (let attempt = 0; ; attempt++) {
      if (generate) meta.name = generatedName(meta.generateName as string);
      s.default(obj);
      this.validate(s, obj, undefined);
      const release = this.services && !opts.dryRun && s.type.group === '' && s.type.plural === 'services' ? await this.services.allocate(obj) : undefined;
      const stored = applied ? clone(obj) : trackUpdate(undefined, obj, this.trackOptions(s, opts));
      if (opts.dryRun) return stored;
      try {
        const rev = await this.store.create(this.key(scope, meta.name as string), encodeObject(stored));
        stored.metadata.resourceVersion = String(rev);
        return stored;
      } catch (err) {
        await release?.();
        if (!isAlreadyExists(err)) throw err;
        if (generate && attempt < 8) continue;
        throw alreadyExistsError(s.type, meta.name as string);
      }
    }
  }

  /** PUT: replaces the object (or, for `subresource` 'status', only its status). */
  async update(scope: Scope, name: string, body: KubeObject, opts: WriteOptions, subresource?: string): Promise<WriteResult> {
    const s = scope.strategy;
    checkKind(s, body);
    const meta = (body.metadata ??= {}) as KubeObject;
    if (meta.name === undefined || meta.name === '') meta.name = name;
    if (meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    this.setNamespace(scope, meta);
    const expected = typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' ? parseResourceVersion(meta.resourceVersion) : undefined;
    this.checkFields(s, body, opts);
    return this.guaranteedUpdate(scope, name, expected, opts, async (current) => {
      if (!current) {
        if (subresource || !createOnUpdate.has(s.type.plural)) throw notFoundError(s.type, name);
        return undefined;
      }
      return this.track(s, current, this.prepareUpdate(s, current, clone(body), subresource), opts, subresource);
    }, async () => ({ object: await this.create(scope, body, opts), created: true }));
  }

  /** PATCH of any kind; an apply patch creates a missing object. */
  async patch(scope: Scope, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { force: boolean }, subresource?: string): Promise<WriteResult> {
    const s = scope.strategy;
    if (type === 'apply') {
      if (!opts.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw badRequest('apply patch must be an object');
      checkKind(s, patch as KubeObject);
      const pm = ((patch as KubeObject).metadata ??= {}) as KubeObject;
      if (pm.name !== undefined && pm.name !== name) throw badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
      this.checkFields(s, patch as KubeObject, opts);
    }
    return this.guaranteedUpdate(scope, name, undefined, opts, async (current) => {
      if (!current) {
        if (type !== 'apply' || subresource) throw notFoundError(s.type, name);
        return undefined;
      }
      const base = clone(current);
      let next: KubeObject;
      if (type === 'apply') {
        next = this.apply(s, base, patch as KubeObject, opts, subresource);
      } else {
        next = applyPatchBody(s, base, type, patch);
        checkKind(s, next);
        this.checkFields(s, next, opts);
      }
      const expectedRv = next.metadata?.resourceVersion;
      if (typeof expectedRv === 'string' && expectedRv !== '' && expectedRv !== current.metadata.resourceVersion) throw conflictError(s.type, name);
      if (next.metadata?.name !== undefined && next.metadata.name !== name) throw badRequest(`the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`);
      const prepared = this.prepareUpdate(s, current, next, subresource, type === 'apply');
      return type === 'apply' ? prepared : this.track(s, current, prepared, opts, subresource);
    }, async () => {
      const applied = clone(patch as KubeObject);
      applied.metadata.name = name;
      const created = this.apply(s, undefined, applied, opts, undefined);
      return { object: await this.create(scope, created, { ...opts, fieldValidation: 'Ignore' }, true), created: true };
    });
  }

  private apply(s: Strategy, live: KubeObject | undefined, applied: KubeObject, opts: WriteOptions & { force: boolean }, subresource: string | undefined): KubeObject {
    try {
      return serverSideApply(live, applied, {
        manager: opts.fieldManager,
        force: opts.force,
        apiVersion: apiVersionOf(s),
        meta: s.patchMeta,
        now: timestamp(this.now()),
        ...(subresource ? { subresource } : {}),
      });
    } catch (err) {
      if (err instanceof ApplyConflictError) {
        const causes: FieldCause[] = err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field }));
        const name = String(live?.metadata?.name ?? applied.metadata?.name ?? '');
        throw new ApiError(409, 'Conflict', `Apply failed with ${err.conflicts.length} conflict${err.conflicts.length === 1 ? '' : 's'}: ${err.conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('\n')}`, { name, group: s.type.group, kind: s.type.plural, causes });
      }
      throw err;
    }
  }

  /**
   * Deletes an object, or marks it deleted (deletionTimestamp) while finalizers — the GC's
   * orphan/foregroundDeletion ones included — or a pod's grace period hold it.
   */
  async delete(scope: Scope, name: string, options: DeleteOptions, opts: WriteOptions): Promise<DeleteResult> {
    const s = scope.strategy;
    const key = this.key(scope, name);
    for (let attempt = 0; attempt < retries; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFoundError(s.type, name);
      const current = decodeObject(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) throw conflictError(s.type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.metadata.uid)}`);
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw conflictError(s.type, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${String(current.metadata.resourceVersion)}`);
      const next = clone(current);
      const meta = next.metadata as KubeObject;
      const finalizers = new Set(finalizersOf(next));
      if (options.propagationPolicy === 'Orphan') finalizers.add(gcFinalizers.orphan);
      if (options.propagationPolicy === 'Foreground') finalizers.add(gcFinalizers.foreground);
      if (options.propagationPolicy === 'Background') {
        finalizers.delete(gcFinalizers.orphan);
        finalizers.delete(gcFinalizers.foreground);
      }
      const grace = this.gracePeriod(s, current, options);
      const namespaceFinalizing = s.type.plural === 'namespaces' && s.type.group === '' && (next.spec?.finalizers?.length ?? 0) > 0;
      if (finalizers.size === 0 && grace === 0 && !namespaceFinalizing) {
        if (opts.dryRun) return { object: current, deleted: true };
        try {
          await this.store.delete(key, kv.modRevision);
          return { object: current, deleted: true };
        } catch (err) {
          if (isConflict(err) || isNotFound(err)) continue;
          throw err;
        }
      }
      if (meta.deletionTimestamp === undefined) {
        meta.deletionTimestamp = timestamp(new Date(this.now().getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
        if (s.type.usesGeneration) meta.generation = Number(meta.generation ?? 0) + 1;
      } else if (grace < Number(meta.deletionGracePeriodSeconds ?? 0)) {
        meta.deletionTimestamp = timestamp(new Date(this.now().getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.size) meta.finalizers = [...finalizers];
      else delete meta.finalizers;
      if (namespaceFinalizing) (next.status ??= {}).phase = 'Terminating';
      if (deepEqual(next, current) || opts.dryRun) return { object: next, deleted: false };
      try {
        const rev = await this.store.update(key, encodeObject(next), kv.modRevision);
        meta.resourceVersion = String(rev);
        return { object: next, deleted: false };
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
    }
    throw conflictError(s.type, name);
  }

  /**
   * A system write that bypasses update validation (binding, the garbage collector's
   * finalizer and owner-reference edits): `mutate` changes the object in place and returns
   * false when there is nothing to do. Retries on conflicts; removing the last finalizer of
   * an object being deleted deletes it. Returns undefined when the object is gone.
   */
  async modify(scope: Scope, name: string, manager: string, mutate: (obj: KubeObject) => boolean): Promise<KubeObject | undefined> {
    const key = this.key(scope, name);
    for (let attempt = 0; attempt < retries; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) return undefined;
      const current = decodeObject(kv);
      const next = clone(current);
      if (!mutate(next)) return current;
      const tracked = trackUpdate(current, next, { ...this.trackOptions(scope.strategy, { dryRun: false, fieldManager: manager, fieldValidation: 'Ignore', warnings: [] }) });
      try {
        if (tracked.metadata.deletionTimestamp !== undefined && finalizersOf(tracked).length === 0 && !(tracked.spec?.finalizers?.length && scope.strategy.type.plural === 'namespaces')) {
          await this.store.delete(key, kv.modRevision);
          return undefined;
        }
        tracked.metadata.resourceVersion = String(await this.store.update(key, encodeObject(tracked), kv.modRevision));
        return tracked;
      } catch (err) {
        if (isConflict(err)) continue;
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    throw conflictError(scope.strategy.type, name);
  }

  /** Pods bound to a node get their grace period (the node agent confirms the stop); everything else goes at once. */
  private gracePeriod(s: Strategy, obj: KubeObject, options: DeleteOptions): number {
    if (s.type.group !== '' || s.type.plural !== 'pods' || !obj.spec?.nodeName) return 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = options.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, Number(grace));
  }

  /**
   * Reads, transforms and writes with the read revision as precondition, retrying on
   * conflicts the client did not cause; when `tryUpdate` returns undefined the object is
   * missing and `onMissing` creates it.
   */
  private async guaranteedUpdate(
    scope: Scope,
    name: string,
    expectedRv: number | undefined,
    opts: WriteOptions,
    tryUpdate: (current: KubeObject | undefined) => Promise<KubeObject | undefined>,
    onMissing: () => Promise<WriteResult>,
  ): Promise<WriteResult> {
    const s = scope.strategy;
    const key = this.key(scope, name);
    for (let attempt = 0; attempt < retries; attempt++) {
      const kv = await this.store.get(key);
      if (kv && expectedRv !== undefined && kv.modRevision !== expectedRv) throw conflictError(s.type, name);
      const current = kv ? decodeObject(kv) : undefined;
      const next = await tryUpdate(current);
      if (!next || !current || !kv) {
        try {
          return await onMissing();
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'AlreadyExists' && expectedRv === undefined) continue;
          throw err;
        }
      }
      if (deepEqual(withoutVolatile(next), withoutVolatile(current))) return { object: current, created: false };
      const tracked = next;
      const finalized = tracked.metadata.deletionTimestamp !== undefined && finalizersOf(tracked).length === 0 && !(s.type.plural === 'namespaces' && s.type.group === '' && (tracked.spec?.finalizers?.length ?? 0) > 0);
      if (opts.dryRun) return { object: tracked, created: false };
      const allocation = this.services && !finalized && s.type.group === '' && s.type.plural === 'services' ? await this.services.reallocate(current, tracked) : undefined;
      try {
        if (finalized) {
          await this.store.delete(key, kv.modRevision);
          return { object: tracked, created: false };
        }
        const rev = await this.store.update(key, encodeObject(tracked), kv.modRevision);
        tracked.metadata.resourceVersion = String(rev);
        await allocation?.commit();
        return { object: tracked, created: false };
      } catch (err) {
        await allocation?.undo();
        if ((isConflict(err) || isNotFound(err)) && expectedRv === undefined) continue;
        if (isConflict(err)) throw conflictError(s.type, name);
        throw err;
      }
    }
    throw conflictError(s.type, name);
  }

  private track(s: Strategy, current: KubeObject, next: KubeObject, opts: WriteOptions, subresource: string | undefined): KubeObject {
    return trackUpdate(current, next, { ...this.trackOptions(s, opts), ...(subresource ? { subresource } : {}) });
  }

  /** The stored form of an update: system metadata kept, status or spec taken from the right place, generation, defaults, validation. */
  private prepareUpdate(s: Strategy, current: KubeObject, incoming: KubeObject, subresource: string | undefined, applied = false): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      next = clone(current);
      next.status = incoming.status;
      if (applied) next.metadata.managedFields = incoming.metadata?.managedFields;
    } else {
      next = incoming;
      if (s.type.hasStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
    }
    const meta = (next.metadata ??= {}) as KubeObject;
    const old = current.metadata as KubeObject;
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name']) {
      if (old[f] === undefined) delete meta[f];
      else meta[f] = old[f];
    }
    if (!applied && meta.managedFields === undefined) meta.managedFields = old.managedFields;
    if (old.deletionTimestamp !== undefined) {
      const added = finalizersOf(next).filter((f) => !finalizersOf(current).includes(f));
      if (added.length) {
        throw invalidError(s.type.kind, s.type.group, String(old.name), [{ field: 'metadata.finalizers', reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}` }]);
      }
    }
    if (s.type.group === '' && s.type.plural === 'services') dropTypeDependentFields(current, next);
    s.default(next);
    if (s.type.usesGeneration && !deepEqual(specOf(next, s.type.hasStatus), specOf(current, s.type.hasStatus))) meta.generation = Number(old.generation ?? 0) + 1;
    this.validate(s, next, current);
    return next;
  }

  private validate(s: Strategy, obj: KubeObject, old: KubeObject | undefined): void {
    const causes = s.validate(obj, old);
    if (causes.length) throw invalidError(s.type.kind, s.type.group, String(obj.metadata?.name ?? ''), causes);
  }

  /** fieldValidation: unknown fields are an error (Strict), a warning (Warn) or silently dropped (Ignore); they are never stored. */
  private checkFields(s: Strategy, obj: KubeObject, opts: WriteOptions): void {
    const unknown = s.unknownFields(obj);
    if (unknown.length === 0) return;
    const words = unknown.map((p) => `unknown field "${p.replace(/^\./, '')}"`);
    if (opts.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${words.join(', ')}`);
    if (opts.fieldValidation === 'Warn') opts.warnings.push(...words);
    for (const p of unknown) deleteFieldPath(obj, p);
  }

  private setNamespace(scope: Scope, meta: KubeObject): void {
    if (!scope.strategy.type.namespaced) {
      delete meta.namespace;
      return;
    }
    if (meta.namespace === undefined || meta.namespace === '') meta.namespace = scope.namespace;
    else if (meta.namespace !== scope.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }

  private async checkNamespaceOpen(scope: Scope, name: string): Promise<void> {
    const ns = scope.namespace ?? '';
    const kv = await this.store.get(storageKey('', 'namespaces', undefined, ns));
    if (!kv) throw notFoundError({ group: '', plural: 'namespaces' }, ns);
    const obj = decodeObject(kv);
    if (obj.metadata.deletionTimestamp !== undefined || obj.status?.phase === 'Terminating') {
      throw forbiddenError(scope.strategy.type, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private trackOptions(s: Strategy, opts: WriteOptions): Parameters<typeof trackUpdate>[2] {
    return { manager: opts.fieldManager || 'unknown', apiVersion: apiVersionOf(s), meta: s.patchMeta, now: timestamp(this.now()) };
  }
}

function applyPatchBody(s: Strategy, base: KubeObject, type: Exclude<PatchType, 'apply'>, patch: unknown): KubeObject {
  let out: unknown;
  try {
    if (type === 'json') out = applyJsonPatch(base, patch);
    else if (type === 'merge') out = applyMergePatch(base, patch);
    else out = applyStrategicMergePatch(base, patch, s.patchMeta);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(422, 'Invalid', err instanceof Error ? err.message : String(err));
  }
  if (typeof out !== 'object' || out === null || Array.isArray(out)) throw badRequest('the patch result is not an object');
  return out as KubeObject;
}

/** Metadata that a no-op update must not count as a change: the resourceVersion and managedFields' timestamps. */
function withoutVolatile(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, managedFields, ...metadata } = obj.metadata ?? {};
  const fields = Array.isArray(managedFields) ? (managedFields as KubeObject[]).map(({ time: _t, ...entry }) => entry) : managedFields;
  return { ...obj, metadata: { ...metadata, managedFields: fields } };
}

export function checkKind(s: Strategy, body: KubeObject): void {
  const want = apiVersionOf(s);
  if (body.apiVersion !== undefined && body.apiVersion !== want) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (body.kind !== undefined && body.kind !== s.type.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${s.type.kind})`);
  }
  body.apiVersion = want;
  body.kind = s.type.kind;
}

export function matches(s: Strategy, obj: KubeObject, labels: LabelSelector | undefined, fields: FieldSelector | undefined): boolean {
  if (labels && !labels.matches(obj.metadata?.labels)) return false;
  if (fields) {
    const values = s.selectableFields(obj);
    for (const r of fields.requirements) if (!(r.field in values)) throw badRequest(`field label not supported: ${r.field}`);
    if (!fields.matches(values)) return false;
  }
  return true;
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return { rv: t.rv, start: t.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
