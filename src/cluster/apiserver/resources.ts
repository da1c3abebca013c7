import { customResourceStrategy, type KubeObject, type Strategy } from './types/index.js';

/** A group's versions, newest preferred first, as discovery lists them. */
export interface GroupVersions {
  group: string;
  versions: string[];
}

/** Where a resource's objects live in storage: one prefix per group and plural, whatever the version. */
export function storagePrefix(group: string, plural: string): string {
  return `/registry/${group === '' ? 'core' : group}/${plural}/`;
}

export function storageKey(group: string, plural: string, namespace: string | undefined, name: string): string {
  return `${storagePrefix(group, plural)}${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * The resources this server serves: the built-in strategies plus one strategy per served
 * version of every Established CustomResourceDefinition. `generation` changes whenever the
 * set does, so discovery and OpenAPI answers can be cached by it.
 */
export class ResourceRegistry {
  private builtins: Strategy[];
  private custom: Strategy[] = [];
  private byPath = new Map<string, Strategy>();
  private byKind = new Map<string, Strategy>();
  private order: GroupVersions[] = [];
  generation = 0;

  constructor(builtins: Strategy[]) {
    this.builtins = builtins;
    this.rebuild();
  }

  lookup(group: string, version: string, plural: string): Strategy | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The strategy serving `kind` in `apiVersion` (group/version or v1). */
  lookupKind(apiVersion: string, kind: string): Strategy | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Every served group version, core first, then groups in discovery order. */
  groupVersions(): GroupVersions[] {
    return this.order;
  }

  resourcesOf(group: string, version: string): Strategy[] {
    return this.all().filter((s) => s.type.group === group && s.type.version === version);
  }

  /** True for a custom resource's strategy (served from a CRD). */
  isCustom(s: Strategy): boolean {
    return this.custom.includes(s);
  }

  all(): Strategy[] {
    return [...this.builtins, ...this.custom];
  }

  /** One strategy per storage location (group, plural), for sweeps over every object. */
  storageResources(): Strategy[] {
    const seen = new Map<string, Strategy>();
    for (const s of this.all()) {
      const key = `${s.type.group}/${s.type.plural}`;
      if (!seen.has(key)) seen.set(key, s);
    }
    return [...seen.values()];
  }

  /** Replaces the custom resources with those of the Established CRDs given. */
  setCustomResourceDefinitions(crds: KubeObject[]): void {
    const custom: Strategy[] = [];
    for (const crd of crds) {
      if (!isEstablished(crd)) continue;
      for (const v of (crd.spec?.versions ?? []) as KubeObject[]) {
        if (v.served === false || typeof v.name !== 'string') continue;
        try {
          custom.push(customResourceStrategy(crd, v.name));
        } catch {
          // A CRD the type system cannot serve stays unserved, as an unestablished one would.
        }
      }
    }
    this.custom = custom;
    this.rebuild();
  }

  private rebuild(): void {
    this.byPath.clear();
    this.byKind.clear();
    const versions = new Map<string, string[]>();
    for (const s of this.all()) {
      const { group, version, plural, kind } = s.type;
      const path = `${group}/${version}/${plural}`;
      if (this.byPath.has(path)) continue;
      this.byPath.set(path, s);
      this.byKind.set(`${group ? `${group}/` : ''}${version}/${kind}`, s);
      const list = versions.get(group) ?? [];
      if (!list.includes(version)) list.push(version);
      versions.set(group, list);
    }
    this.order = [...versions.entries()].map(([group, vs]) => ({ group, versions: vs.sort(compareVersions) }));
    this.order.sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
    this.generation++;
  }
}

export function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status?.conditions ?? []) as { type?: string; status?: string }[];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const level = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [level, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
  return a.localeCompare(b);
}
