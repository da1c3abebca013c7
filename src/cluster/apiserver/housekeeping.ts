import type { Watch, WatchEvent } from '../storage/index.js';
import { decodeObject, gcFinalizers, type ObjectService, type Scope } from './objects.js';
import { finalizersOf, ownerReferencesOf, timestamp } from './object-meta.js';
import type { ResourceRegistry } from './resources.js';
import type { ServiceAllocator } from './service-allocator.js';
import { ApiError } from './status.js';
import type { KubeObject, Strategy } from './types/index.js';

/** Where an object lives, parsed from its storage key. */
interface ObjectRef {
  key: string;
  group: string;
  plural: string;
  namespace?: string;
  name: string;
}

interface GraphNode {
  ref: ObjectRef;
  uid: string;
  owners: string[];
  deleting: boolean;
  finalizers: string[];
}

const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';
const manager = 'berth-controller-manager';

export function parseStorageKey(key: string): ObjectRef | undefined {
  const parts = key.split('/');
  // ['', 'registry', group, plural, ns?, name]
  if (parts[1] !== 'registry' || parts.length < 5 || parts.length > 6) return undefined;
  const group = parts[2] === 'core' ? '' : (parts[2] ?? '');
  const plural = parts[3] ?? '';
  if (parts.length === 6) return { key, group, plural, namespace: parts[4] ?? '', name: parts[5] ?? '' };
  return { key, group, plural, name: parts[4] ?? '' };
}

/**
 * The server's own background work, fed by one watch over every object: the garbage
 * collector (ownerReferences; orphan and foreground deletion), namespace termination
 * (delete everything inside, then the namespace), CustomResourceDefinitions (Established,
 * served, and their objects removed on deletion) and the expiry of pods' grace periods,
 * which the node agent will confirm once it exists, and the release of a deleted Service's
 * cluster IPs and node ports. Level-triggered: work is queued by
 * uid or key and each item re-reads the graph, so repeats are harmless.
 */
export class Housekeeper {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly byKey = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Every CustomResourceDefinition by storage key, to serve them without a read. */
  private readonly crds = new Map<string, KubeObject>();
  private watch: Watch | undefined;
  private running: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly objects: ObjectService,
    private readonly registry: ResourceRegistry,
    private readonly services?: ServiceAllocator,
  ) {}

  /** Loads every object, serves the CRDs found, then follows changes. */
  async start(): Promise<void> {
    const list = await this.objects.scan('/registry/');
    for (const kv of list.items) this.observe(kv.key, decodeObject(kv));
    this.syncCustomResources();
    for (const node of this.nodes.values()) if (node.owners.length || node.deleting || node.ref.plural === 'customresourcedefinitions') this.queue.add(node.uid);
    this.kick();
    this.watch = this.objects.store.watch({ prefix: '/registry/', fromRevision: list.revision });
    this.running = this.follow(this.watch);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    for (const t of this.timers.values()) clearTimeout(t);
    await this.running;
    await this.draining;
  }

  private async follow(watch: Watch): Promise<void> {
    try {
      for await (const ev of watch) this.onEvent(ev);
    } catch {
      // The watch fell behind or the store went away: start over from a fresh list.
      if (!this.closed) {
        this.nodes.clear();
        this.byKey.clear();
        this.dependents.clear();
        this.crds.clear();
        await this.start().catch(() => undefined);
      }
    }
  }

  private onEvent(ev: WatchEvent): void {
    const ref = parseStorageKey(ev.key);
    if (!ref) return;
    if (ev.type === 'DELETE') {
      const uid = this.byKey.get(ev.key);
      if (uid) this.forget(uid);
      if (this.crds.delete(ev.key)) this.syncCustomResources();
      if (ref.group === '' && ref.plural === 'services' && ev.prevValue && this.services) {
        const svc = JSON.parse(ev.prevValue.toString('utf8')) as KubeObject;
        void this.services.release(svc).catch(() => undefined);
      }
      return;
    }
    const obj = decodeObject({ key: ev.key, value: ev.value, createRevision: ev.createRevision, modRevision: ev.modRevision, version: 0 });
    this.observe(ev.key, obj);
  }

  private observe(key: string, obj: KubeObject): void {
    const ref = parseStorageKey(key);
    const uid = obj.metadata?.uid as string | undefined;
    if (!ref || !uid) return;
    const old = this.nodes.get(uid);
    if (old) for (const o of old.owners) this.dependents.get(o)?.delete(uid);
    const node: GraphNode = {
      ref,
      uid,
      owners: ownerReferencesOf(obj).map((r) => r.uid),
      deleting: obj.metadata.deletionTimestamp !== undefined,
      finalizers: finalizersOf(obj),
    };
    this.nodes.set(uid, node);
    this.byKey.set(key, uid);
    for (const o of node.owners) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(uid);
    }
    if (node.owners.some((o) => !this.nodes.has(o))) this.enqueue(uid);
    if (node.deleting) this.enqueue(uid);
    if (ref.group === 'apiextensions.k8s.io' && ref.plural === 'customresourcedefinitions') {
      this.crds.set(key, obj);
      this.enqueue(uid);
      this.syncCustomResources();
    }
    if (ref.group === '' && ref.plural === 'pods' && node.deleting) this.scheduleGraceExpiry(uid, obj);
  }

  private forget(uid: string): void {
    const node = this.nodes.get(uid);
    if (!node) return;
    this.nodes.delete(uid);
    this.byKey.delete(node.ref.key);
    for (const o of node.owners) {
      this.dependents.get(o)?.delete(uid);
      // An owner waiting for its dependents (foreground) may now be done.
      if (this.nodes.has(o)) this.enqueue(o);
    }
    for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
    const ns = node.ref.namespace;
    if (ns !== undefined) {
      const nsUid = this.byKey.get(`/registry/core/namespaces/${ns}`);
      if (nsUid && this.nodes.get(nsUid)?.deleting) this.enqueue(nsUid);
    }
    const timer = this.timers.get(uid);
    if (timer) clearTimeout(timer);
    this.timers.delete(uid);
  }

  private enqueue(uid: string): void {
    this.queue.add(uid);
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.closed) return;
    this.draining = (async () => {
      while (this.queue.size && !this.closed) {
        const uid = this.queue.values().next().value as string;
        this.queue.delete(uid);
        try {
          await this.process(uid);
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) setTimeout(() => this.enqueue(uid), 1000).unref();
        }
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.queue.size && !this.closed) this.kick();
    });
  }

  private scopeOf(ref: ObjectRef): Scope | undefined {
    const strategy = this.strategyFor(ref.group, ref.plural);
    return strategy ? { strategy, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) } : undefined;
  }

  private strategyFor(group: string, plural: string): Strategy | undefined {
    return this.registry.storageResources().find((s) => s.type.group === group && s.type.plural === plural);
  }

  private async process(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const scope = this.scopeOf(node.ref);
    if (!scope) return;
    const obj = await this.objects.get(scope, node.ref.name).catch(() => undefined);
    if (!obj || obj.metadata.uid !== uid) return;
    await this.collectIfOrphaned(scope, obj);
    if (obj.metadata.deletionTimestamp === undefined) {
      if (node.ref.group === 'apiextensions.k8s.io' && node.ref.plural === 'customresourcedefinitions') await this.establish(scope, obj);
      return;
    }
    const finalizers = finalizersOf(obj);
    if (finalizers.includes(gcFinalizers.orphan)) await this.orphanDependents(scope, obj);
    if (finalizers.includes(gcFinalizers.foreground)) await this.deleteDependentsFirst(scope, obj);
    if (node.ref.group === '' && node.ref.plural === 'namespaces') await this.terminateNamespace(scope, obj);
    if (finalizers.includes(crdCleanupFinalizer)) await this.removeCustomResources(scope, obj);
  }

  /** Deletes an object all of whose owners are gone; drops references to owners that are gone while others remain. */
  private async collectIfOrphaned(scope: Scope, obj: KubeObject): Promise<void> {
    const refs = ownerReferencesOf(obj);
    if (refs.length === 0) return;
    const dangling: string[] = [];
    let foregroundOwners = 0;
    for (const r of refs) {
      const owner = await this.resolveOwner(r, obj.metadata.namespace as string | undefined);
      if (owner === 'unknown') return;
      if (!owner) dangling.push(r.uid);
      else if (owner.metadata.deletionTimestamp !== undefined && finalizersOf(owner).includes(gcFinalizers.foreground)) foregroundOwners++;
    }
    if (dangling.length === refs.length) {
      if (obj.metadata.deletionTimestamp === undefined) await this.objects.delete(scope, obj.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } }, this.writeOptions());
    } else if (dangling.length) {
      await this.objects.modify(scope, obj.metadata.name, manager, (o) => {
        o.metadata.ownerReferences = ownerReferencesOf(o).filter((r) => !dangling.includes(r.uid));
        return true;
      });
    } else if (foregroundOwners === refs.length && obj.metadata.deletionTimestamp === undefined) {
      await this.objects.delete(scope, obj.metadata.name, { propagationPolicy: 'Foreground', preconditions: { uid: obj.metadata.uid } }, this.writeOptions());
    }
  }

  /** The live owner a reference names, undefined when it is gone, 'unknown' when its kind is not served. */
  private async resolveOwner(r: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string | undefined): Promise<KubeObject | undefined | 'unknown'> {
    const s = this.registry.lookupKind(r.apiVersion, r.kind);
    if (!s) return this.nodes.has(r.uid) ? 'unknown' : undefined;
    const scope: Scope = { strategy: s, ...(s.type.namespaced && namespace ? { namespace } : {}) };
    const owner = await this.objects.get(scope, r.name).catch(() => undefined);
    return owner && owner.metadata.uid === r.uid ? owner : undefined;
  }

  private async orphanDependents(scope: Scope, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid as string;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const node = this.nodes.get(d);
      const dScope = node && this.scopeOf(node.ref);
      if (!node || !dScope) continue;
      await this.objects.modify(dScope, node.ref.name, manager, (o) => {
        const refs = ownerReferencesOf(o);
        o.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        return refs.length !== (o.metadata.ownerReferences?.length ?? 0);
      });
    }
    await this.removeFinalizer(scope, owner, gcFinalizers.orphan);
  }

  private async deleteDependentsFirst(scope: Scope, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid as string;
    const remaining = [...(this.dependents.get(uid) ?? [])].filter((d) => this.nodes.has(d));
    for (const d of remaining) {
      const node = this.nodes.get(d);
      const dScope = node && this.scopeOf(node.ref);
      if (!node || !dScope || node.deleting) continue;
      await this.objects.delete(dScope, node.ref.name, { propagationPolicy: 'Foreground' }, this.writeOptions()).catch(ignoreNotFound);
    }
    if (remaining.length === 0) await this.removeFinalizer(scope, owner, gcFinalizers.foreground);
  }

  /** Deletes everything in a terminating namespace; when nothing is left, lets the namespace go. */
  private async terminateNamespace(scope: Scope, ns: KubeObject): Promise<void> {
    const name = ns.metadata.name as string;
    let left = 0;
    for (const s of this.registry.storageResources()) {
      if (!s.type.namespaced) continue;
      const inner: Scope = { strategy: s, namespace: name };
      const items = await this.objects.scan(this.objects.prefix(inner));
      for (const kv of items.items) {
        left++;
        const obj = decodeObject(kv);
        if (obj.metadata.deletionTimestamp !== undefined) continue;
        await this.objects.delete(inner, obj.metadata.name, { propagationPolicy: 'Background' }, this.writeOptions()).catch(ignoreNotFound);
      }
    }
    if (left > 0) {
      await this.objects.modify(scope, name, manager, (o) => setNamespaceCondition(o, `Some content in the namespace has finalizers remaining or is being deleted: ${left} objects`));
      return;
    }
    await this.objects.modify(scope, name, manager, (o) => {
      const had = (o.spec?.finalizers ?? []) as string[];
      if (had.length === 0) return false;
      o.spec.finalizers = [];
      return true;
    });
  }

  private async removeFinalizer(scope: Scope, obj: KubeObject, finalizer: string): Promise<void> {
    await this.objects.modify(scope, obj.metadata.name, manager, (o) => {
      if (o.metadata.uid !== obj.metadata.uid) return false;
      const f = finalizersOf(o);
      if (!f.includes(finalizer)) return false;
      const rest = f.filter((x) => x !== finalizer);
      if (rest.length) o.metadata.finalizers = rest;
      else delete o.metadata.finalizers;
      return true;
    });
  }

  /** Accepts a CRD's names and marks it Established; the cleanup finalizer makes its deletion remove its objects first. */
  private async establish(scope: Scope, crd: KubeObject): Promise<void> {
    await this.objects.modify(scope, crd.metadata.name, manager, (o) => {
      const conditions = (o.status?.conditions ?? []) as KubeObject[];
      const established = conditions.some((c) => c.type === 'Established' && c.status === 'True');
      const hasFinalizer = finalizersOf(o).includes(crdCleanupFinalizer);
      if (established && hasFinalizer && JSON.stringify(o.status?.acceptedNames) === JSON.stringify(o.spec?.names)) return false;
      const now = timestamp(new Date());
      o.status = {
        ...(o.status ?? {}),
        acceptedNames: o.spec?.names ?? {},
        storedVersions: ((o.spec?.versions ?? []) as KubeObject[]).filter((v) => v.storage).map((v) => v.name),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
        ],
      };
      if (!hasFinalizer) o.metadata.finalizers = [...finalizersOf(o), crdCleanupFinalizer];
      // Served before anyone can read Established: a client waiting for the condition may create a resource at once.
      this.syncCustomResources(o);
      return true;
    });
  }

  private async removeCustomResources(scope: Scope, crd: KubeObject): Promise<void> {
    const group = crd.spec?.group as string;
    const plural = crd.spec?.names?.plural as string;
    const s = this.strategyFor(group, plural);
    const items = await this.objects.scan(`/registry/${group}/${plural}/`);
    let left = 0;
    for (const kv of items.items) {
      left++;
      const ref = parseStorageKey(kv.key);
      if (!s || !ref) {
        await this.objects.store.delete(kv.key).catch(() => undefined);
        continue;
      }
      await this.objects.delete({ strategy: s, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) }, ref.name, { propagationPolicy: 'Background' }, this.writeOptions()).catch(ignoreNotFound);
    }
    if (left === 0) await this.removeFinalizer(scope, crd, crdCleanupFinalizer);
    else setTimeout(() => this.enqueue(crd.metadata.uid), 500).unref();
  }

  /** Serves the CRDs known, without those being deleted; `pending` stands in for the stored copy of one about to be written. */
  private syncCustomResources(pending?: KubeObject): void {
    const crds = new Map(this.crds);
    if (pending) crds.set(`/registry/apiextensions.k8s.io/customresourcedefinitions/${String(pending.metadata.name)}`, pending);
    this.registry.setCustomResourceDefinitions([...crds.values()].filter((c) => c.metadata.deletionTimestamp === undefined));
  }

  /** A pod whose grace period ran out goes, as the node agent will confirm once it runs. */
  private scheduleGraceExpiry(uid: string, pod: KubeObject): void {
    if (this.timers.has(uid) || finalizersOf(pod).length) return;
    const due = Date.parse(String(pod.metadata.deletionTimestamp)) - Date.now();
    const timer = setTimeout(() => {
      this.timers.delete(uid);
      const node = this.nodes.get(uid);
      const scope = node && this.scopeOf(node.ref);
      if (!node || !scope) return;
      void this.objects.delete(scope, node.ref.name, { gracePeriodSeconds: 0, preconditions: { uid } }, this.writeOptions()).catch(() => undefined);
    }, Math.max(0, due));
    timer.unref();
    this.timers.set(uid, timer);
  }

  private writeOptions(): { dryRun: false; fieldManager: string; fieldValidation: 'Ignore'; warnings: string[] } {
    return { dryRun: false, fieldManager: manager, fieldValidation: 'Ignore', warnings: [] };
  }
}

function setNamespaceCondition(ns: KubeObject, message: string): boolean {
  const status = (ns.status ??= {});
  const conditions = ((status.conditions ?? []) as KubeObject[]).filter((c) => c.type !== 'NamespaceContentRemaining');
  const before = JSON.stringify(status.conditions ?? []);
  conditions.push({ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message, lastTransitionTime: timestamp(new Date()) });
  status.phase = 'Terminating';
  const prev = ((status.conditions ?? []) as KubeObject[]).find((c) => c.type === 'NamespaceContentRemaining');
  if (prev && prev.message === message) return false;
  status.conditions = conditions;
  return before !== JSON.stringify(conditions);
}

function ignoreNotFound(err: unknown): void {
  if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
  throw err;
}
