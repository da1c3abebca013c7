/**
 * Cross-checks the strategic merge patch, merge patch and JSON patch against the real
 * kubectl, whose `patch --local` applies patches with Kubernetes' own code and a Deployment's
 * real patch metadata (no server involved).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { deploymentMeta } from './fixtures.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const skip = hasKubectl ? false : 'kubectl is not installed';

function kubectlPatch(doc: Obj, type: 'strategic' | 'merge' | 'json', patch: unknown): { ok: true; out: Obj } | { ok: false; error: string } {
  const res = spawnSync('kubectl', ['patch', '-f', '-', '--local', `--type=${type}`, '-p', JSON.stringify(patch), '-o', 'json'], {
    input: JSON.stringify(doc),
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/dev/null' },
  });
  if (res.status !== 0) return { ok: false, error: res.stderr.trim() };
  return { ok: true, out: JSON.parse(res.stdout) as Obj };
}

function ours(fn: () => unknown): { ok: true; out: Obj } | { ok: false; error: string } {
  try {
    return { ok: true, out: fn() as Obj };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function deployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      labels: { app: 'web' },
      finalizers: ['a.io/x', 'b.io/y'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1' }],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              args: ['-g', 'daemon off;'],
              ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'busybox:1', args: ['sleep', 'inf'] },
            { name: 'third', image: 't:1' },
          ],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

const podSpec = (spec: Obj): Obj => ({ spec: { template: { spec } } });

const strategicVectors: [string, unknown][] = [
  ['new container and finalizer', { metadata: { finalizers: ['c.io/z'] }, ...podSpec({ containers: [{ name: 'log', image: 'fluent:1' }] }) }],
  ['container change, env delete and add', podSpec({ containers: [{ name: 'web', image: 'nginx:1.26', env: [{ name: 'B', $patch: 'delete' }, { name: 'C', value: '3' }] }] })],
  ['reorder all', podSpec({ '$setElementOrder/containers': [{ name: 'third' }, { name: 'sidecar' }, { name: 'web' }] })],
  ['reorder some', podSpec({ '$setElementOrder/containers': [{ name: 'third' }, { name: 'web' }] })],
  ['reorder some with a change', podSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }], containers: [{ name: 'web', image: 'n:2' }] })],
  ['new container placed by order', podSpec({ '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }, { name: 'sidecar' }, { name: 'third' }], containers: [{ name: 'log', image: 'l:1' }] })],
  ['retainKeys', { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }],
  ['retainKeys in a list element', podSpec({ volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cm' } }] })],
  ['primitive list directives', { metadata: { '$setElementOrder/finalizers': ['c.io/z', 'b.io/y'], '$deleteFromPrimitiveList/finalizers': ['a.io/x'], finalizers: ['c.io/z'] } }],
  ['replace a list', podSpec({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] })],
  ['replace a map', { spec: { selector: { $patch: 'replace', matchLabels: { tier: 'x' } } } }],
  ['delete a map', { spec: { strategy: { $patch: 'delete' } } }],
  ['nulls', { metadata: { labels: null }, ...podSpec({ containers: [{ name: 'sidecar', args: null }] }) }],
  ['nested ports', podSpec({ containers: [{ name: 'web', ports: [{ containerPort: 443, protocol: 'TCP' }] }] })],
  ['atomic lists', podSpec({ tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'web', args: ['-v'] }] })],
  ['owner references by uid', { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 'other', uid: 'u-2' }] } }],
  ['volume mounts by mountPath', podSpec({ containers: [{ name: 'web', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'cache', mountPath: '/cache' }] }] })],
  ['directives in a new list and nulls in a new map', podSpec({ initContainers: [{ name: 'x', image: 'i' }, { name: 'y', $patch: 'delete' }], nodeSelector: { a: 'b', c: null } })],
  ['order for a new list', podSpec({ '$setElementOrder/initContainers': [{ name: 'b' }, { name: 'a' }], initContainers: [{ name: 'b', image: 'b' }, { name: 'a', image: 'a' }] })],
  ['delete from a missing primitive list', { spec: { template: { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } } } }],
  ['replace a new map', podSpec({ securityContext: { $patch: 'replace', runAsUser: 1 } })],
  ['merge into a map that was a scalar', { spec: { paused: { x: 1 } } }],
  ['delete a new map', podSpec({ securityContext: { $patch: 'delete' } })],
  ['directive elements in a new list', podSpec({ initContainers: [{ name: 'x', $patch: 'merge' }, { name: 'y', image: 'y', env: [{ name: 'E', $patch: 'delete' }] }] })],
  [
    'kubectl apply three-way patch',
    {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' } },
      spec: {
        replicas: 3,
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'third' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }],
                '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
                env: [{ $patch: 'delete', name: 'B' }],
                image: 'nginx:1.26',
                name: 'web',
                ports: [{ containerPort: 443, protocol: 'TCP' }],
              },
              { $patch: 'delete', name: 'sidecar' },
            ],
          },
        },
      },
    },
  ],
];

const strategicErrors: [string, unknown][] = [
  ['missing merge key', podSpec({ containers: [{ image: 'x' }] })],
  ['unknown map directive', { spec: { strategy: { $patch: 'frob' } } }],
  ['merge directive in a list', podSpec({ containers: [{ name: 'web', $patch: 'merge' }] })],
  ['key outside $retainKeys', { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }],
  ['order that contradicts the patch', podSpec({ '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ name: 'sidecar', image: 's' }, { name: 'web', image: 'w' }] })],
];

test('strategic merge patches give what kubectl gives', { skip }, () => {
  for (const [name, patch] of strategicVectors) {
    const want = kubectlPatch(deployment(), 'strategic', patch);
    const got = ours(() => applyStrategicMergePatch(deployment(), patch, deploymentMeta));
    assert.deepEqual(got, want, name);
  }
});

test('strategic merge patches kubectl refuses are refused', { skip }, () => {
  for (const [name, patch] of strategicErrors) {
    const want = kubectlPatch(deployment(), 'strategic', patch);
    assert.equal(want.ok, false, `kubectl accepted: ${name}`);
    const got = ours(() => applyStrategicMergePatch(deployment(), patch, deploymentMeta));
    assert.equal(got.ok, false, `accepted: ${name} (kubectl: ${want.ok ? '' : want.error})`);
  }
});

test('merge patches give what kubectl gives', { skip }, () => {
  const vectors: unknown[] = [
    { metadata: { labels: { tier: 'x', app: null } }, spec: { replicas: 5 } },
    podSpec({ containers: [{ name: 'only' }] }),
    { spec: { strategy: null, selector: { matchLabels: { app: 'web', x: 'y' } } } },
  ];
  for (const patch of vectors) assert.deepEqual(ours(() => applyMergePatch(deployment(), patch)), kubectlPatch(deployment(), 'merge', patch), JSON.stringify(patch));
});

test('JSON patches give what kubectl gives, errors included', { skip }, () => {
  const vectors: unknown[] = [
    [{ op: 'replace', path: '/spec/replicas', value: 7 }, { op: 'add', path: '/metadata/labels/a~1b', value: 'x' }],
    [{ op: 'replace', path: '/spec/paused', value: true }],
    [{ op: 'move', from: '/spec/template/spec/containers/0', path: '/spec/template/spec/containers/-' }],
    [{ op: 'copy', from: '/metadata/labels', path: '/spec/template/metadata/annotations' }],
    [{ op: 'remove', path: '/spec/template/spec/containers/-1' }],
    [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'remove', path: '/metadata/finalizers/0' }],
    [{ op: 'test', path: '/metadata/name', value: 'x' }],
    [{ op: 'remove', path: '/metadata/labels/none' }],
    [{ op: 'remove', path: '/metadata/annotations/none' }],
    [{ op: 'add', path: '/spec/x/y', value: 1 }],
    [{ op: 'remove', path: '/spec/template/spec/containers/5' }],
    [{ op: 'frob', path: '/spec' }],
    [{ op: 'add', path: '/spec/template/spec/containers/x', value: {} }],
    [{ op: 'move', from: '/spec/none', path: '/spec/x' }],
    { op: 'add' },
    [{ op: 'add', value: 1 }],
  ];
  for (const ops of vectors) {
    const want = kubectlPatch(deployment(), 'json', ops);
    const got = ours(() => applyJsonPatch(deployment(), ops));
    if (want.ok) assert.deepEqual(got, want, JSON.stringify(ops));
    else assert.deepEqual(got, { ok: false, error: want.error.replace(/^error: /, '') }, JSON.stringify(ops));
  }
});
