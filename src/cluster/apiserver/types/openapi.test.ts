import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinStrategies, customResourceStrategy, type KubeObject, openapiV3Document } from './index.js';

const strategies = builtinStrategies();

/** What kubectl's query-param verifier does: find the PATCH operation of a kind. */
function patchOperations(doc: KubeObject, gvk: KubeObject): KubeObject[] {
  return Object.values(doc.paths as Record<string, KubeObject>)
    .map((p) => p.patch)
    .filter((op) => op && ['group', 'version', 'kind'].every((k) => op['x-kubernetes-group-version-kind'][k] === gvk[k]));
}

/** What strategic-merge patch meta from OpenAPI v3 does: follow allOf[0] and $ref through a path of field names. */
function walk(doc: KubeObject, gvk: KubeObject, path: string[]): KubeObject {
  const schemas = doc.components.schemas as Record<string, KubeObject>;
  const resolve = (node: KubeObject): KubeObject => {
    let n = node.allOf?.length ? node.allOf[0] : node;
    if (n.$ref) {
      const target = schemas[String(n.$ref).replace('#/components/schemas/', '')];
      assert.ok(target, `unresolved ${n.$ref}`);
      n = target;
    }
    return n;
  };
  const root = Object.values(schemas).find((s) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: KubeObject) => g.kind === gvk.kind && g.group === gvk.group && g.version === gvk.version));
  assert.ok(root, `no schema for ${gvk.kind}`);
  let node: KubeObject = root;
  let prop: KubeObject = root;
  for (const step of path) {
    node = resolve(node);
    if (node.type === 'array') node = resolve(node.items);
    prop = node.properties?.[step];
    assert.ok(prop, `no field ${step} in ${path.join('.')}`);
    node = prop;
  }
  return prop;
}

describe('openapiV3Document', () => {
  it('publishes a PATCH operation with fieldValidation for every kind of a group version', () => {
    for (const gv of [['', 'v1'], ['apps', 'v1'], ['autoscaling', 'v2'], ['networking.k8s.io', 'v1'], ['apiextensions.k8s.io', 'v1']] as const) {
      const doc = openapiV3Document(gv[0], gv[1], strategies);
      assert.equal(doc.openapi, '3.0.0');
      for (const s of strategies.filter((x) => x.type.group === gv[0] && x.type.version === gv[1])) {
        const ops = patchOperations(doc, s.type);
        assert.ok(ops.length >= 1, `no PATCH for ${s.type.kind}`);
        for (const op of ops) {
          assert.equal(op['x-kubernetes-action'], 'patch');
          assert.deepEqual(op.parameters.map((p: KubeObject) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
          assert.ok(op.requestBody.content['application/strategic-merge-patch+json'], `${s.type.kind} must accept strategic merge patches`);
          assert.ok(op.requestBody.content['application/apply-patch+yaml']);
        }
      }
      const kinds = Object.values(doc.paths as Record<string, KubeObject>).flatMap((p) => Object.values(p)).filter((op) => op?.['x-kubernetes-group-version-kind']).map((op) => op['x-kubernetes-group-version-kind'].kind);
      assert.ok(kinds.length > 0);
    }
  });

  it('lays out paths and operations like kube-apiserver', () => {
    const doc = openapiV3Document('apps', 'v1', strategies);
    const coll = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.equal(coll.get.operationId, 'listAppsV1NamespacedDeployment');
    assert.equal(coll.post['x-kubernetes-action'], 'post');
    assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection');
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.equal(item.patch.operationId, 'patchAppsV1NamespacedDeployment');
    assert.deepEqual(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].patch);
    assert.equal(doc.paths['/apis/apps/v1/deployments'].get.operationId, 'listAppsV1DeploymentForAllNamespaces');
    assert.equal(Object.keys(doc.paths).some((p) => p.startsWith('/api/v1')), false);
    const core = openapiV3Document('', 'v1', strategies);
    assert.equal(core.paths['/api/v1/namespaces/{name}'].patch.operationId, 'patchCoreV1Namespace');
    assert.equal(core.paths['/api/v1/namespaces'].delete, undefined, 'namespaces have no deletecollection');
  });

  it('carries the patch extensions client-side apply needs, through allOf and $ref', () => {
    const doc = openapiV3Document('apps', 'v1', strategies);
    const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
    const containers = walk(doc, gvk, ['spec', 'template', 'spec', 'containers']);
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    const ports = walk(doc, gvk, ['spec', 'template', 'spec', 'containers', 'ports']);
    assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(walk(doc, gvk, ['spec', 'template', 'spec', 'volumes'])['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(walk(doc, gvk, ['spec', 'strategy'])['x-kubernetes-patch-strategy'], 'retainKeys');
    assert.equal(walk(doc, gvk, ['metadata', 'finalizers'])['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(walk(doc, gvk, ['spec', 'replicas']).type, 'integer');
    const deployment = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
    assert.match(deployment.description, /Deployment/);
    assert.match(deployment.properties.spec.description, /desired state/);
    const list = doc.components.schemas['io.k8s.api.apps.v1.DeploymentList'];
    assert.deepEqual(list['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'DeploymentList', version: 'v1' }]);
  });

  it('resolves every $ref inside the document', () => {
    for (const [g, v] of [['', 'v1'], ['apps', 'v1'], ['policy', 'v1'], ['discovery.k8s.io', 'v1']]) {
      const doc = openapiV3Document(g ?? '', v ?? '', strategies);
      const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const r of new Set(refs)) {
        const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
        assert.ok(doc.components.schemas[name], `${g}/${v}: dangling ${name}`);
      }
    }
  });

  it('describes custom resources without strategic merge patch', () => {
    const crd = {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Cluster', names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const s = customResourceStrategy(crd, 'v1alpha1');
    const doc = openapiV3Document('example.com', 'v1alpha1', [...strategies, s]);
    const [op] = patchOperations(doc, { group: 'example.com', version: 'v1alpha1', kind: 'Widget' });
    assert.ok(op);
    assert.ok(op.parameters.some((p: KubeObject) => p.name === 'fieldValidation'));
    assert.equal(op.requestBody.content['application/strategic-merge-patch+json'], undefined);
    assert.ok(op.requestBody.content['application/merge-patch+json']);
    assert.ok(doc.paths['/apis/example.com/v1alpha1/widgets/{name}']);
    const schema = doc.components.schemas['com.example.v1alpha1.Widget'];
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Widget', version: 'v1alpha1' }]);
    assert.equal(schema.properties.spec.properties.size.type, 'integer');
    assert.ok(schema.properties.metadata.allOf[0].$ref.endsWith('ObjectMeta'));
  });
});
