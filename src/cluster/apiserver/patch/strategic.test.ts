import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../../../lib/errors.js';
import { deploymentMeta } from './fixtures.js';
import { applyStrategicMergePatch, noPatchMeta, type PatchMeta } from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const smp = (doc: unknown, patch: unknown, meta: PatchMeta = deploymentMeta): Obj =>
  applyStrategicMergePatch(doc, patch, meta) as Obj;

function deployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a.io/x', 'b.io/y'] },
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
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
            },
            { name: 'sidecar', image: 'busybox:1', args: ['sleep', 'inf'] },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

const names = (list: Obj[]): string[] => list.map((c) => c.name);
const containers = (d: Obj): Obj[] => d.spec.template.spec.containers;

function smpError(doc: unknown, patch: unknown, meta: PatchMeta = deploymentMeta): Error {
  try {
    applyStrategicMergePatch(doc, patch, meta);
  } catch (err) {
    assert.ok(isInvalidArgument(err), `expected invalid argument, got ${String(err)}`);
    return err as Error;
  }
  assert.fail('the patch applied');
}

test('containers merge by name: a change keeps the other fields and the other containers', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } });
  assert.deepEqual(names(containers(out)), ['web', 'sidecar']);
  const web = containers(out)[0] as Obj;
  assert.equal(web.image, 'nginx:1.26');
  assert.equal(web.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(web.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
});

test('a new element goes first unless $setElementOrder places it, as Kubernetes orders merged lists', () => {
  const added = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent:1' }] } } } });
  assert.deepEqual(names(containers(added)), ['log', 'web', 'sidecar']);
  const placed = smp(deployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }, { name: 'log' }],
          containers: [{ name: 'log', image: 'fluent:1' }],
        },
      },
    },
  });
  assert.deepEqual(names(containers(placed)), ['web', 'sidecar', 'log']);
});

test('$setElementOrder alone reorders, interleaving server-only elements by their old positions', () => {
  const doc = deployment();
  containers(doc).push({ name: 'third', image: 't:1' });
  const out = smp(doc, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'third' }, { name: 'web' }] } } } });
  // sidecar (server-only) stood before third, the first listed element, so it stays first.
  assert.deepEqual(names(containers(out)), ['sidecar', 'third', 'web']);
  const before = smp(doc, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } } });
  assert.deepEqual(names(containers(before)), ['sidecar', 'web', 'third']);
});

test('$setElementOrder for a list that does not merge changes nothing', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'web', '$setElementOrder/args': ['x'] }] } } } });
  assert.deepEqual((containers(out)[0] as Obj).args, ['-g', 'daemon off;']);
});

test('nested lists merge by their own keys: ports by containerPort, env by name', () => {
  const out = smp(deployment(), {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              ports: [{ containerPort: 443, protocol: 'TCP' }],
              env: [{ name: 'B', value: 'two' }],
            },
          ],
        },
      },
    },
  });
  const web = containers(out)[0] as Obj;
  assert.deepEqual(web.ports, [{ containerPort: 443, protocol: 'TCP' }, { containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(web.env, [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }]);
});

test('$patch: delete removes a list element; null removes a field', () => {
  const out = smp(deployment(), {
    metadata: { labels: null },
    spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'web', args: null }] } } },
  });
  assert.deepEqual(names(containers(out)), ['web']);
  assert.equal('args' in (containers(out)[0] as Obj), false);
  assert.equal('labels' in out.metadata, false);
});

test('$patch: replace in a list element replaces the whole list', () => {
  const out = smp(deployment(), {
    spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] } } },
  });
  assert.deepEqual(containers(out), [{ name: 'only', image: 'o:1' }]);
});

test('$patch: replace and $patch: delete in maps', () => {
  const replaced = smp(deployment(), { spec: { selector: { $patch: 'replace', matchLabels: { tier: 'x' } } } });
  assert.deepEqual(replaced.spec.selector, { matchLabels: { tier: 'x' } });
  const deleted = smp(deployment(), { spec: { strategy: { $patch: 'delete' } } });
  assert.deepEqual(deleted.spec.strategy, {});
});

test('lists without a merge strategy are replaced whole; without metadata every list is', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'web', args: ['-v'] }] } } } });
  assert.deepEqual((containers(out)[0] as Obj).args, ['-v']);
  const atomic = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'x' }] } } } }, noPatchMeta);
  assert.deepEqual(containers(atomic), [{ name: 'x' }]);
});

test('primitive merge lists are sets: union, and $deleteFromPrimitiveList removes values', () => {
  const union = smp(deployment(), { metadata: { finalizers: ['b.io/y', 'c.io/z'] } });
  assert.deepEqual(union.metadata.finalizers, ['a.io/x', 'b.io/y', 'c.io/z']);
  const removed = smp(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.io/x'] } });
  assert.deepEqual(removed.metadata.finalizers, ['b.io/y']);
  const both = smp(deployment(), {
    metadata: {
      '$setElementOrder/finalizers': ['c.io/z', 'b.io/y'],
      '$deleteFromPrimitiveList/finalizers': ['a.io/x'],
      finalizers: ['c.io/z'],
    },
  });
  assert.deepEqual(both.metadata.finalizers, ['c.io/z', 'b.io/y']);
});

test('$retainKeys clears the fields it does not list (switching strategy to Recreate)', () => {
  const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  const volumes = smp(deployment(), {
    spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cm' } }] } } },
  });
  assert.deepEqual(volumes.spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]);
});

test('a realistic kubectl apply patch for a Deployment', () => {
  // What kubectl sends after the manifest changed image, replicas and strategy, dropped
  // env B and the sidecar, and added port 443 (three-way patch with order directives).
  const live = deployment();
  live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n' };
  live.spec.template.spec.containers[0].ports[0].name = 'http';
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' } },
    spec: {
      replicas: 3,
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }],
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
  };
  const before = structuredClone(live);
  const out = smp(live, patch);
  assert.deepEqual(live, before, 'the live object is not modified');
  assert.equal(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"new":true}\n');
  assert.equal(out.spec.replicas, 3);
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(out.spec.selector, { matchLabels: { app: 'web' } });
  assert.deepEqual(containers(out), [
    {
      name: 'web',
      image: 'nginx:1.26',
      args: ['-g', 'daemon off;'],
      ports: [
        { containerPort: 80, protocol: 'TCP', name: 'http' },
        { containerPort: 443, protocol: 'TCP' },
      ],
      env: [{ name: 'A', value: '1' }],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    },
  ]);
  assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'data', emptyDir: {} }]);
});

test('fields new to the object take the patch value, directives resolved', () => {
  const out = smp({ metadata: { name: 'x' } }, {
    spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: null }] }] } } },
  });
  assert.deepEqual(out.spec, { template: { spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X' }] }] } } });
});

test('bad patches are refused with the field at fault', () => {
  assert.match(smpError(deployment(), [{ op: 'add' }]).message, /must be a JSON object, not a list/);
  assert.match(smpError('x', {}).message, /cannot apply a strategic merge patch to a string/);
  assert.match(
    smpError(deployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }).message,
    /does not contain declared merge key: name \(at \.spec\.template\.spec\.containers\)/,
  );
  assert.match(smpError(deployment(), { spec: { strategy: { $patch: 'frob' } } }).message, /unknown patch type: frob in map at \.spec\.strategy/);
  assert.match(smpError(deployment(), { spec: { strategy: { $patch: 'merge' } } }).message, /unknown patch type: merge/);
  assert.match(
    smpError(deployment(), { spec: { template: { spec: { containers: [{ name: 'web', $patch: 'merge' }] } } } }).message,
    /merging lists cannot yet be specified/,
  );
  assert.match(smpError(deployment(), { spec: { strategy: { $retainKeys: 'type' } } }).message, /invalid patch format of retainKeys/);
  assert.match(
    smpError(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }).message,
    /rollingUpdate is not in the \$retainKeys list/,
  );
  assert.match(smpError(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }).message, /must be a list/);
  assert.match(smpError(deployment(), { metadata: { '$setElementOrder/finalizers': 'a' } }).message, /must be a list/);
  assert.match(
    smpError(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'other' }] } } },
    }).message,
    /does not match its \$setElementOrder\/containers list/,
  );
  assert.match(smpError(deployment(), { metadata: { finalizers: ['a', { b: 1 }] } }).message, /mixes maps and primitive values/);
  assert.match(smpError({ spec: { list: [{ a: 1 }] } }, { spec: { list: [{ a: 2 }] } }, { lookup: () => ({ patchStrategy: 'merge' }) }).message, /without merge key/);
});
