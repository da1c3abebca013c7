/** Patch metadata of the Deployment fields the unit tests touch, as Kubernetes declares
 *  them (patch strategy and merge key tags, list-type markers). Test data only. */
import type { FieldPatchInfo, PatchMeta } from './meta.js';

const podSpec: Record<string, FieldPatchInfo> = {
  containers: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  initContainers: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  'containers.ports': {
    patchStrategy: 'merge',
    patchMergeKey: 'containerPort',
    listType: 'map',
    listMapKeys: ['containerPort', 'protocol'],
  },
  'containers.env': { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  'containers.volumeMounts': { patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
  'containers.args': { listType: 'atomic' },
  'containers.command': { listType: 'atomic' },
  volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  tolerations: { listType: 'atomic' },
};

const objectMeta: Record<string, FieldPatchInfo> = {
  finalizers: { patchStrategy: 'merge', listType: 'set' },
  ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },
  labels: { mapType: 'granular' },
  annotations: { mapType: 'granular' },
};

const table = new Map<string, FieldPatchInfo>();
for (const [k, v] of Object.entries(objectMeta)) {
  table.set(`metadata.${k}`, v);
  table.set(`spec.template.metadata.${k}`, v);
}
for (const [k, v] of Object.entries(podSpec)) table.set(`spec.template.spec.${k}`, v);
table.set('spec.strategy', { patchStrategy: 'retainKeys' });
table.set('spec.selector', { structType: 'atomic' });

export const deploymentMeta: PatchMeta = { lookup: (path) => table.get(path.join('.')) };
