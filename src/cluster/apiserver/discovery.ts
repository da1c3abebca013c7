import type { ResourceRegistry } from './resources.js';
import type { KubeObject, Strategy } from './types/index.js';

/** Kubernetes' discovery documents for the served resources: legacy per-group and aggregated (apidiscovery.k8s.io/v2). */

export const aggregatedContentType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('g=apidiscovery.k8s.io') && p.includes('v=v2;') && p.includes('as=APIGroupDiscoveryList') && !p.includes('v=v2beta1');
  });
}

const subresourceVerbs: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
};

function subresourceKind(s: Strategy, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  if (sub === 'binding') return { group: '', version: 'v1', kind: 'Binding' };
  if (sub === 'exec' || sub === 'attach') return { group: '', version: 'v1', kind: 'PodExecOptions' };
  if (sub === 'portforward') return { group: '', version: 'v1', kind: 'PodPortForwardOptions' };
  if (sub === 'proxy') return { group: '', version: 'v1', kind: 'PodProxyOptions' };
  return { group: s.type.group, version: s.type.version, kind: s.type.kind };
}

/** `GET /api`. */
export function apiVersions(serverAddress: string): KubeObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `GET /apis`: every group but the core one. */
export function apiGroupList(registry: ResourceRegistry): KubeObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groupVersions()
      .filter((g) => g.group !== '')
      .map((g) => apiGroup(g.group, g.versions)),
  };
}

export function apiGroup(group: string, versions: string[]): KubeObject {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

/** `GET /api/v1` or `/apis/<group>/<version>`. */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): KubeObject {
  const resources: KubeObject[] = [];
  for (const s of registry.resourcesOf(group, version)) {
    const t = s.type;
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    for (const sub of t.subresources) {
      const k = subresourceKind(s, sub);
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        // Another group's kind names its group and version (kubectl drain looks for both on pods/eviction).
        ...(k.group !== t.group || k.version !== t.version ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: subresourceVerbs[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** The aggregated discovery document: `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): KubeObject {
  const items = registry
    .groupVersions()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: registry.resourcesOf(g.group, version).map((s) => {
          const t = s.type;
          return {
            resource: t.plural,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: t.verbs,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length ? { categories: t.categories } : {}),
            ...(t.subresources.length
              ? { subresources: t.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceKind(s, sub), verbs: subresourceVerbs[sub] ?? ['get'] })) }
              : {}),
          };
        }),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
