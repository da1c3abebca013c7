import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConflict, isInvalidArgument } from '../../../lib/errors.js';
import { deploymentMeta } from './fixtures.js';
import {
  ancientChangesManager,
  ApplyConflictError,
  beforeFirstApplyManager,
  maxUpdateManagers,
  noPatchMeta,
  serverSideApply,
  trackUpdate,
  type ApplyOptions,
  type KubeObject,
  type ManagedFieldsEntry,
  type PatchMeta,
} from './index.js';

const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';
const T3 = '2026-01-01T00:00:03Z';

const apply = (live: KubeObject | undefined, config: KubeObject, manager: string, extra: Partial<ApplyOptions> = {}): KubeObject =>
  serverSideApply(live, config, { manager, force: false, apiVersion: 'apps/v1', meta: deploymentMeta, now: T1, ...extra });

const update = (old: KubeObject | undefined, next: KubeObject, manager: string, now = T2): KubeObject =>
  trackUpdate(old, next, { manager, apiVersion: 'apps/v1', meta: deploymentMeta, now });

function config(overrides: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: KubeObject[] } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: overrides.labels ?? { app: 'web' } },
    spec: {
      ...(overrides.replicas === undefined ? {} : { replicas: overrides.replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: overrides.containers ?? [
            { name: 'nginx', image: overrides.image ?? 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] },
          ],
        },
      },
    },
  };
}

const entries = (obj: KubeObject): ManagedFieldsEntry[] => obj.metadata.managedFields ?? [];
const entry = (obj: KubeObject, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined =>
  entries(obj).find((e) => e.manager === manager && e.operation === operation);

/** Whether the FieldsV1 tree holds the path (element by element). */
function owns(e: ManagedFieldsEntry | undefined, ...path: string[]): boolean {
  let node: unknown = e?.fieldsV1;
  for (const p of path) {
    if (typeof node !== 'object' || node === null || !(p in node)) return false;
    node = (node as Record<string, unknown>)[p];
  }
  return true;
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplyConflictError, `expected an ApplyConflictError, got ${String(err)}`);
    assert.ok(isConflict(err));
    return err;
  }
  assert.fail('the apply succeeded');
}

const nginx = 'k:{"name":"nginx"}';

test('apply on create records the applied fields in FieldsV1 form', () => {
  const out = apply(undefined, config({ replicas: 2 }), 'kubectl');
  assert.equal(out.spec.replicas, 2);
  assert.deepEqual(entries(out), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                [nginx]: {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('server-maintained fields are never owned', () => {
  const cfg = config({ replicas: 1 });
  Object.assign(cfg.metadata, { uid: 'u1', resourceVersion: '7', generation: 3, creationTimestamp: T1 });
  cfg.status = { replicas: 1 };
  const out = apply(undefined, cfg, 'kubectl');
  const fields = entry(out, 'kubectl')?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(fields).sort(), ['f:metadata', 'f:spec']);
  assert.deepEqual(Object.keys(fields['f:metadata'] ?? {}), ['f:labels']);
  assert.equal(entries(out).length, 1);

  const created = update(undefined, { ...cfg, metadata: { ...cfg.metadata, managedFields: undefined } }, 'kubectl-create');
  const createdFields = entry(created, 'kubectl-create', 'Update')?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(createdFields).sort(), ['f:metadata', 'f:spec']);
  assert.deepEqual(Object.keys(createdFields['f:metadata'] ?? {}), ['f:labels']);
  // A status subresource write does own status.
  const status = trackUpdate(created, { ...created, status: { replicas: 2 } }, {
    manager: 'controller',
    apiVersion: 'apps/v1',
    meta: deploymentMeta,
    now: T3,
    subresource: 'status',
  });
  const statusEntry = entries(status).find((e) => e.manager === 'controller');
  assert.equal(statusEntry?.subresource, 'status');
  assert.deepEqual(statusEntry?.fieldsV1, { 'f:status': { 'f:replicas': {} } });
});

test('re-applying the same configuration changes nothing and conflicts with nobody', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const again = apply(first, config({ replicas: 2 }), 'kubectl', { now: T2 });
  assert.deepEqual({ ...again, metadata: { ...again.metadata, managedFields: undefined } }, { ...first, metadata: { ...first.metadata, managedFields: undefined } });
  assert.deepEqual(entry(again, 'kubectl')?.fieldsV1, entry(first, 'kubectl')?.fieldsV1);
  assert.equal(entry(again, 'kubectl')?.time, T1, 'a no-op apply leaves the time alone');
  const changed = apply(again, config({ replicas: 3 }), 'kubectl', { now: T3 });
  assert.equal(entry(changed, 'kubectl')?.time, T3);
});

test('two appliers of different fields both keep theirs', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const second = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { team: 'a' } } }, 'labeller', { now: T2 });
  assert.deepEqual(second.metadata.labels, { app: 'web', team: 'a' });
  assert.equal(second.spec.replicas, 2);
  assert.ok(owns(entry(second, 'labeller'), 'f:metadata', 'f:labels', 'f:team'));
  assert.ok(!owns(entry(second, 'labeller'), 'f:metadata', 'f:labels', 'f:app'));
  assert.ok(owns(entry(second, 'kubectl'), 'f:spec', 'f:replicas'));
  assert.deepEqual(entries(second).map((e) => e.manager), ['kubectl', 'labeller'], 'sorted by operation, then time');
});

test('changing a field another applier owns conflicts, naming manager and field', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const err = conflictOf(() => apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } }, 'hpa'));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
  assert.deepEqual(err.conflicts, [{ manager: 'kubectl', field: '.spec.replicas', message: 'conflict with "kubectl"' }]);
});

test('conflicts with an Update manager say which API version it used; several are listed by manager', () => {
  const created = update(undefined, config({ replicas: 2 }), 'kubectl-client-side-apply', T1);
  const err = conflictOf(() => apply(created, config({ replicas: 3 }), 'kubectl'));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');

  const labelled = apply(created, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web', tier: 'x' } } }, 'labeller', { now: T2 });
  const many = conflictOf(() => apply(labelled, config({ replicas: 3, image: 'nginx:1.26', labels: { app: 'web', tier: 'y' } }), 'kubectl'));
  assert.equal(
    many.message,
    'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="nginx"].image\n' +
      'conflicts with "labeller":\n' +
      '- .metadata.labels.tier',
  );
  assert.deepEqual(many.conflicts.map((c) => `${c.manager} ${c.field}`).sort(), [
    'kubectl-client-side-apply .spec.replicas',
    'kubectl-client-side-apply .spec.template.spec.containers[name="nginx"].image',
    'labeller .metadata.labels.tier',
  ]);
});

test('force takes ownership of conflicting fields', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const forced = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } }, 'hpa', { force: true, now: T2 });
  assert.equal(forced.spec.replicas, 5);
  assert.ok(owns(entry(forced, 'hpa'), 'f:spec', 'f:replicas'));
  assert.ok(!owns(entry(forced, 'kubectl'), 'f:spec', 'f:replicas'));
  assert.ok(owns(entry(forced, 'kubectl'), 'f:spec', 'f:selector'));
  // kubectl now applying without replicas does not remove the hpa's value.
  const reapplied = apply(forced, config(), 'kubectl', { now: T3 });
  assert.equal(reapplied.spec.replicas, 5);
});

test('fields the manager applied before and omits now are removed, unless someone else owns them', () => {
  const first = apply(undefined, config({ replicas: 2, labels: { app: 'web', tier: 'front', env: 'prod' } }), 'kubectl');
  // Another applier agrees on env (same value: shared ownership, no conflict).
  const shared = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { env: 'prod' } } }, 'other', { now: T2 });
  assert.ok(owns(entry(shared, 'kubectl'), 'f:metadata', 'f:labels', 'f:env'));
  assert.ok(owns(entry(shared, 'other'), 'f:metadata', 'f:labels', 'f:env'));

  const dropped = apply(shared, config({ labels: { app: 'web' } }), 'kubectl', { now: T3 });
  assert.deepEqual(dropped.metadata.labels, { app: 'web', env: 'prod' }, 'tier removed, env kept for its other owner');
  assert.equal('replicas' in dropped.spec, false, 'replicas removed');
  assert.ok(!owns(entry(dropped, 'kubectl'), 'f:metadata', 'f:labels', 'f:env'));
  assert.ok(owns(entry(dropped, 'other'), 'f:metadata', 'f:labels', 'f:env'));
});

test('associative lists: elements merge by key, each manager keeps its own elements and fields', () => {
  const first = apply(undefined, config(), 'kubectl');
  const sidecar = apply(
    first,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent:1' }, { name: 'nginx', env: [{ name: 'X', value: '1' }] }] } } },
    },
    'injector',
    { now: T2 },
  );
  const cs = sidecar.spec.template.spec.containers as KubeObject[];
  assert.deepEqual(cs.map((c) => c.name), ['log', 'nginx']);
  assert.deepEqual(cs[1], { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'X', value: '1' }] });
  const injector = entry(sidecar, 'injector');
  assert.ok(owns(injector, 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"log"}', '.'));
  assert.ok(owns(injector, 'f:spec', 'f:template', 'f:spec', 'f:containers', nginx, 'f:env', 'k:{"name":"X"}', 'f:value'));
  assert.ok(!owns(injector, 'f:spec', 'f:template', 'f:spec', 'f:containers', nginx, 'f:image'));

  // kubectl changes its image: no conflict, the injected parts stay.
  const bumped = apply(sidecar, config({ image: 'nginx:1.26' }), 'kubectl', { now: T3 });
  const bumpedCs = bumped.spec.template.spec.containers as KubeObject[];
  assert.deepEqual(bumpedCs.map((c) => `${c.name}=${c.image}`), ['log=fluent:1', 'nginx=nginx:1.26']);
  assert.deepEqual(bumpedCs[1]?.env, [{ name: 'X', value: '1' }]);

  // The injector drops its sidecar: the element goes, the env it set on nginx goes too.
  const noSidecar = apply(bumped, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, 'injector', { now: T3 });
  assert.deepEqual(noSidecar.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
  assert.equal(entry(noSidecar, 'injector'), undefined, 'an entry with no fields is dropped');
});

test('a container the applier omits now is removed with its fields', () => {
  const two = apply(undefined, config({ containers: [{ name: 'nginx', image: 'n:1' }, { name: 'side', image: 's:1' }] }), 'kubectl');
  const one = apply(two, config({ containers: [{ name: 'nginx', image: 'n:1' }] }), 'kubectl', { now: T2 });
  assert.deepEqual(one.spec.template.spec.containers, [{ name: 'nginx', image: 'n:1' }]);
  assert.ok(!owns(entry(one, 'kubectl'), 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"side"}'));
});

test('a defaulted key field does not split an element: ports keyed by containerPort and protocol', () => {
  const cfg = config({ containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, name: 'http' }] }] });
  const created = apply(undefined, cfg, 'kubectl');
  // The server defaults the protocol after the apply.
  const live = structuredClone(created);
  live.spec.template.spec.containers[0].ports[0].protocol = 'TCP';
  const out = apply(live, cfg, 'kubectl', { now: T2 });
  assert.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
  assert.ok(owns(entry(out, 'kubectl'), 'f:spec', 'f:template', 'f:spec', 'f:containers', nginx, 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name'));
  assert.ok(!owns(entry(out, 'kubectl'), 'f:spec', 'f:template', 'f:spec', 'f:containers', nginx, 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:protocol'));
});

test('a key field the applier stops setting is removed like any other field it owned', () => {
  const first = apply(undefined, config(), 'kubectl');
  const cfg = config({ containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] });
  const out = apply(first, cfg, 'kubectl', { now: T2 });
  // Defaulting puts TCP back in a real server.
  assert.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 80 }]);
});

test('set lists own each value (v:), atomic lists are owned whole', () => {
  const cfg = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers: ['a.io/x'] }, spec: { template: { spec: { containers: [{ name: 'nginx', args: ['-v'] }] } } } };
  const first = apply(undefined, cfg, 'one');
  const second = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers: ['b.io/y'] } }, 'two', { now: T2 });
  assert.deepEqual(second.metadata.finalizers, ['a.io/x', 'b.io/y']);
  assert.ok(owns(entry(second, 'one'), 'f:metadata', 'f:finalizers', 'v:"a.io/x"'));
  assert.ok(owns(entry(second, 'two'), 'f:metadata', 'f:finalizers', 'v:"b.io/y"'));
  assert.deepEqual((entry(second, 'one')?.fieldsV1 as KubeObject)['f:spec']['f:template']['f:spec']['f:containers'][nginx]['f:args'], {});
  const err = conflictOf(() =>
    apply(second, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'nginx', args: ['-q'] }] } } } }, 'two'),
  );
  assert.equal(err.conflicts[0]?.field, '.spec.template.spec.containers[name="nginx"].args');
});

test('merged lists follow the applied order, with live-only elements kept between', () => {
  const cfg = (finalizers: string[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers } });
  const names = (o: KubeObject): string[] => o.metadata.finalizers;
  const first = apply(undefined, cfg(['a', 'c']), 'default');
  assert.deepEqual(names(apply(first, cfg(['a', 'b', 'c', 'd']), 'default')), ['a', 'b', 'c', 'd']);
  assert.deepEqual(names(apply(apply(undefined, cfg(['a', 'b', 'c', 'd']), 'default'), cfg(['a', 'd', 'c', 'b']), 'default')), ['a', 'd', 'c', 'b']);
  // A controller added b and d; the applier adds a' and c'.
  const controlled = update(first, cfg(['a', 'b', 'c', 'd']), 'controller');
  assert.deepEqual(names(apply(controlled, cfg(['a', "a'", 'c', "c'"]), 'default')), ['a', 'b', "a'", 'c', 'd', "c'"]);
  // The same for keyed elements.
  const withContainers = (list: string[]): KubeObject => config({ containers: list.map((name) => ({ name, image: `${name}:1` })) });
  const containerNames = (o: KubeObject): string[] => o.spec.template.spec.containers.map((c: KubeObject) => c.name);
  const live = update(undefined, withContainers(['a', 'b', 'c', 'd']), 'controller');
  const applied = apply(live, withContainers(['a', 'x', 'c', 'y']), 'default');
  assert.deepEqual(containerNames(applied), ['a', 'b', 'x', 'c', 'd', 'y']);
  // Reordered: the applied elements in the new order, the controller's where they were.
  assert.deepEqual(containerNames(apply(applied, withContainers(['y', 'c', 'x', 'a']), 'default')), ['b', 'd', 'y', 'c', 'x', 'a']);
});

test('a value dropped from a set list goes; values others applied stay', () => {
  const cfg = (finalizers: string[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers } });
  const one = apply(undefined, cfg(['a.io/x', 'c.io/z']), 'one');
  const two = apply(one, cfg(['b.io/y']), 'two', { now: T2 });
  const out = apply(two, cfg(['c.io/z']), 'one', { now: T3 });
  assert.deepEqual(out.metadata.finalizers, ['c.io/z', 'b.io/y']);
  assert.ok(!owns(entry(out, 'one'), 'f:metadata', 'f:finalizers', 'v:"a.io/x"'));
});

test('without schema information every list is atomic: replaced whole and owned whole', () => {
  const cr = (items: unknown[]): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items, size: 1 } });
  const opts = { meta: noPatchMeta, apiVersion: 'example.com/v1' };
  const first = apply(undefined, cr([{ name: 'a' }, { name: 'b' }]), 'one', opts);
  assert.deepEqual(entry(first, 'one')?.fieldsV1, { 'f:spec': { 'f:items': {}, 'f:size': {} } });
  const err = conflictOf(() => apply(first, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items: [{ name: 'a' }] } }, 'two', opts));
  assert.equal(err.conflicts[0]?.field, '.spec.items');
  const forced = apply(first, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items: [{ name: 'c' }] } }, 'two', { ...opts, force: true });
  assert.deepEqual(forced.spec, { items: [{ name: 'c' }], size: 1 });
});

test('Update writes take the fields they change from appliers; removed fields leave every set', () => {
  const applied = apply(undefined, config({ replicas: 2, labels: { app: 'web', tier: 'a' } }), 'kubectl');
  const scaled = structuredClone(applied);
  scaled.spec.replicas = 4;
  delete scaled.metadata.labels.tier;
  const out = update(applied, scaled, 'kubectl-scale');
  const scaler = entry(out, 'kubectl-scale', 'Update');
  assert.deepEqual(scaler?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(scaler?.time, T2);
  assert.ok(!owns(entry(out, 'kubectl'), 'f:spec', 'f:replicas'));
  assert.ok(!owns(entry(out, 'kubectl'), 'f:metadata', 'f:labels', 'f:tier'));
  assert.ok(owns(entry(out, 'kubectl'), 'f:metadata', 'f:labels', 'f:app'));
  assert.deepEqual(entries(out).map((e) => `${e.operation}:${e.manager}`), ['Apply:kubectl', 'Update:kubectl-scale']);

  // The applier re-applying its old replicas now conflicts with the scaler.
  const err = conflictOf(() => apply(out, config({ replicas: 2, labels: { app: 'web', tier: 'a' } }), 'kubectl'));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
});

test('Update records added maps and elements with their own "." entries and keeps earlier fields of the same manager', () => {
  const created = update(undefined, config({ replicas: 1 }), 'kubectl-create', T1);
  const fields = entry(created, 'kubectl-create', 'Update')?.fieldsV1 as KubeObject;
  assert.deepEqual(fields['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  assert.ok(owns(entry(created, 'kubectl-create', 'Update'), 'f:spec', 'f:template', 'f:spec', 'f:containers', nginx, '.'));

  const edited = structuredClone(created);
  edited.metadata.annotations = { note: 'x' };
  const out = update(created, edited, 'kubectl-create', T3);
  const e = entry(out, 'kubectl-create', 'Update');
  assert.ok(owns(e, 'f:metadata', 'f:annotations', 'f:note'));
  assert.ok(owns(e, 'f:spec', 'f:replicas'), 'earlier fields kept');
  assert.equal(e?.time, T3);
  assert.equal(entries(out).length, 1);

  // An update that changes nothing leaves the entry (and its time) alone.
  const same = update(out, structuredClone(out), 'kubectl-create', '2026-01-02T00:00:00Z');
  assert.deepEqual(same.metadata.managedFields, out.metadata.managedFields);
});

test('Update managers of different API versions are separate entries; appliers are one whatever the version', () => {
  const created = update(undefined, config({ replicas: 1 }), 'ctl', T1);
  const next = structuredClone(created);
  next.spec.replicas = 2;
  const out = trackUpdate(created, next, { manager: 'ctl', apiVersion: 'apps/v1beta2', meta: deploymentMeta, now: T2 });
  assert.deepEqual(entries(out).map((e) => e.apiVersion), ['apps/v1', 'apps/v1beta2']);
  const a1 = apply(undefined, config({ replicas: 1 }), 'kubectl');
  const a2 = apply(a1, { ...config({ replicas: 1 }), apiVersion: 'apps/v1beta2' }, 'kubectl', { apiVersion: 'apps/v1beta2', now: T2 });
  assert.deepEqual(entries(a2).map((e) => `${e.manager}@${e.apiVersion}`), ['kubectl@apps/v1beta2']);
});

test('a writer may replace managedFields; [{}] clears them, an empty or broken list keeps the stored ones', () => {
  const applied = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const withFields = (managedFields: unknown): KubeObject => ({ ...structuredClone(applied), metadata: { ...structuredClone(applied.metadata), managedFields } });

  assert.equal(update(applied, withFields([{}]), 'editor').metadata.managedFields, undefined);
  assert.deepEqual(update(applied, withFields([]), 'editor').metadata.managedFields, applied.metadata.managedFields);
  assert.deepEqual(update(applied, withFields([{ manager: 'x', operation: 'Frob' }]), 'editor').metadata.managedFields, applied.metadata.managedFields);
  assert.deepEqual(update(applied, withFields(undefined), 'editor').metadata.managedFields, applied.metadata.managedFields);

  const replaced = [{ manager: 'mover', operation: 'Apply', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  assert.deepEqual(update(applied, withFields(replaced), 'editor').metadata.managedFields, replaced);

  // Stored managedFields that do not decode are an error, not silently dropped.
  assert.throws(() => apply(withFields([{ manager: 'x', operation: 'Apply', fieldsV1: { bad: {} } }]), config(), 'kubectl'), (err: unknown) => isInvalidArgument(err) && /invalid FieldsV1 element "bad"/.test(String(err)));
});

test('an object without managedFields is handed to before-first-apply on its first apply', () => {
  const live = config({ replicas: 3 });
  const err = conflictOf(() => apply(live, config({ replicas: 5 }), 'kubectl'));
  assert.equal(err.message, `Apply failed with 1 conflict: conflict with "${beforeFirstApplyManager}" using apps/v1: .spec.replicas`);
  const out = apply(live, config({ replicas: 3 }), 'kubectl');
  assert.ok(owns(entry(out, beforeFirstApplyManager, 'Update'), 'f:spec', 'f:replicas'));
  assert.ok(owns(entry(out, 'kubectl'), 'f:spec', 'f:replicas'));
});

test('a dropped field another manager shares stays, an Update manager\'s claim included', () => {
  const created = update(undefined, config({ replicas: 3 }), 'kubectl-client-side-apply', T1);
  const sharedApply = apply(created, config({ replicas: 3 }), 'kubectl', { now: T2 });
  assert.ok(owns(entry(sharedApply, 'kubectl-client-side-apply', 'Update'), 'f:spec', 'f:replicas'));
  assert.ok(owns(entry(sharedApply, 'kubectl'), 'f:spec', 'f:replicas'));
  const dropped = apply(sharedApply, config(), 'kubectl', { now: T3 });
  assert.equal(dropped.spec.replicas, 3);
  assert.ok(owns(entry(dropped, 'kubectl-client-side-apply', 'Update'), 'f:spec', 'f:replicas'));
  assert.ok(!owns(entry(dropped, 'kubectl'), 'f:spec', 'f:replicas'));
});

// Keyed list `items` (by name) whose elements hold a set list `values`, as in
// structured-merge-diff's own multiple-applier cases.
const listMeta: PatchMeta = {
  lookup: (path) => {
    const p = path.join('.');
    if (p === 'spec.items') return { listType: 'map', listMapKeys: ['name'] };
    if (p === 'spec.items.values') return { listType: 'set' };
    return undefined;
  },
};
const listObj = (items: unknown[]): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items } });
const itemKey = (name: string): string => `k:{"name":"${name}"}`;

test('an element the applier drops goes with what others set inside it, unless others own the element too', () => {
  const opts = { meta: listMeta, apiVersion: 'example.com/v1' };
  const one = apply(undefined, listObj([{ name: 'a' }, { name: 'b', values: ['c'] }]), 'apply-one', opts);
  const two = apply(one, listObj([{ name: 'a', values: ['x'] }]), 'apply-two', { ...opts, now: T2 });
  // A controller adds a value inside b without owning b itself.
  const next = structuredClone(two);
  next.spec.items[1].values.push('d');
  const controlled = trackUpdate(two, next, { manager: 'controller', apiVersion: 'example.com/v1', meta: listMeta, now: T2 });
  assert.deepEqual(entry(controlled, 'controller', 'Update')?.fieldsV1, { 'f:spec': { 'f:items': { [itemKey('b')]: { 'f:values': { 'v:"d"': {} } } } } });

  const out = apply(controlled, listObj([{ name: 'a' }]), 'apply-one', { ...opts, now: T3 });
  assert.deepEqual(out.spec.items, [{ name: 'a', values: ['x'] }]);
  assert.equal(entry(out, 'controller', 'Update'), undefined, 'its value went with the element');
  assert.deepEqual(entry(out, 'apply-one')?.fieldsV1, { 'f:spec': { 'f:items': { [itemKey('a')]: { '.': {}, 'f:name': {} } } } });

  // When another applier owns the element, only the dropping applier's own parts go.
  const shared = apply(one, listObj([{ name: 'b', values: ['d'] }]), 'apply-two', { ...opts, now: T2 });
  const kept = apply(shared, listObj([{ name: 'a' }]), 'apply-one', { ...opts, now: T3 });
  assert.deepEqual(kept.spec.items, [{ name: 'a' }, { name: 'b', values: ['d'] }]);
});

test('a map the applier once applied empty and others filled since is left to its fields', () => {
  const opts = { meta: listMeta, apiVersion: 'example.com/v1' };
  const cr = (spec: KubeObject): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
  const one = apply(undefined, cr({ options: {}, size: 1 }), 'apply-one', opts);
  assert.ok(owns(entry(one, 'apply-one'), 'f:spec', 'f:options'));
  const next = structuredClone(one);
  next.spec.options.color = 'red';
  const filled = trackUpdate(one, next, { manager: 'editor', apiVersion: 'example.com/v1', meta: listMeta, now: T2 });
  const out = apply(filled, cr({ size: 1 }), 'apply-one', { ...opts, now: T3 });
  assert.deepEqual(out.spec, { options: { color: 'red' }, size: 1 });
});

test('status in a main-resource apply neither conflicts with nor is owned against the status writer', () => {
  const live = apply(undefined, config({ replicas: 1 }), 'kubectl');
  const withStatus = trackUpdate(live, { ...structuredClone(live), status: { replicas: 1 } }, {
    manager: 'controller',
    apiVersion: 'apps/v1',
    meta: deploymentMeta,
    now: T2,
    subresource: 'status',
  });
  const cfg = { ...config({ replicas: 1 }), status: { replicas: 9 } };
  const out = apply(withStatus, cfg, 'kubectl', { now: T3 });
  assert.ok(!owns(entry(out, 'kubectl'), 'f:status'));
  assert.ok(owns(entries(out).find((e) => e.manager === 'controller'), 'f:status', 'f:replicas'));
});

test('Update managers beyond the cap merge, oldest first, into ancient-changes', () => {
  let obj = apply(undefined, config({ replicas: 1 }), 'kubectl');
  for (let i = 0; i < maxUpdateManagers + 2; i++) {
    const next = structuredClone(obj);
    next.metadata.annotations = { ...next.metadata.annotations, [`n${i}`]: 'x' };
    obj = update(obj, next, `writer-${String(i).padStart(2, '0')}`, `2026-01-01T00:01:${String(i).padStart(2, '0')}Z`);
  }
  const updaters = entries(obj).filter((e) => e.operation === 'Update');
  assert.equal(updaters.length, maxUpdateManagers);
  const bucket = entry(obj, ancientChangesManager, 'Update');
  assert.ok(owns(bucket, 'f:metadata', 'f:annotations', 'f:n0'));
  assert.ok(owns(bucket, 'f:metadata', 'f:annotations', 'f:n2'));
  assert.equal(bucket?.time, '2026-01-01T00:01:02Z');
  assert.equal(entry(obj, 'writer-00', 'Update'), undefined);
  assert.ok(owns(entry(obj, 'writer-11', 'Update'), 'f:metadata', 'f:annotations', 'f:n11'));
  assert.ok(entry(obj, 'kubectl'), 'appliers are never merged');
});

test('conflicts on the status subresource name the subresource', () => {
  const live = apply(undefined, config({ replicas: 1 }), 'kubectl');
  const withStatus = trackUpdate(live, { ...structuredClone(live), status: { replicas: 1 } }, {
    manager: 'controller',
    apiVersion: 'apps/v1',
    meta: deploymentMeta,
    now: T2,
    subresource: 'status',
  });
  const statusConfig = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 }, status: { replicas: 2 } };
  const err = conflictOf(() => apply(withStatus, statusConfig, 'other', { subresource: 'status' }));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "controller" with subresource "status" using apps/v1: .status.replicas');
  const forced = apply(withStatus, statusConfig, 'other', { subresource: 'status', force: true, now: T3 });
  assert.equal(forced.status.replicas, 2);
  const other = entries(forced).find((e) => e.manager === 'other');
  assert.equal(other?.subresource, 'status');
  assert.deepEqual(other?.fieldsV1, { 'f:status': { 'f:replicas': {} } }, 'a status write owns no spec');
});

test('kubectl may take over what its last client-side apply set; other managers may not', () => {
  const lastApplied = (cfg: KubeObject): string => `${JSON.stringify(cfg)}\n`;
  const csa = (cfg: KubeObject): KubeObject => {
    const withAnnotation = structuredClone(cfg);
    withAnnotation.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied(cfg), note: 'a<b' };
    return update(undefined, withAnnotation, 'kubectl-client-side-apply', T1);
  };
  const live = csa(config({ replicas: 2 }));
  const next = config({ replicas: 3 });
  next.metadata.annotations = { note: 'a<b' };

  const out = apply(live, next, 'kubectl', { now: T2 });
  assert.equal(out.spec.replicas, 3);
  assert.ok(owns(entry(out, 'kubectl'), 'f:spec', 'f:replicas'));
  assert.ok(!owns(entry(out, 'kubectl-client-side-apply', 'Update'), 'f:spec', 'f:replicas'));
  // The annotation now holds what kubectl applied, encoded as Kubernetes encodes it.
  const annotation = out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  assert.deepEqual(JSON.parse(annotation), next);
  assert.ok(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"note":"a\\u003cb"}'), annotation);

  assert.equal(conflictOf(() => apply(live, next, 'other')).conflicts[0]?.field, '.spec.replicas');

  // A field changed since the client-side apply stays a conflict for kubectl too.
  const scaled = structuredClone(live);
  scaled.spec.replicas = 5;
  const afterScale = update(live, scaled, 'kubectl-scale', T2);
  const err = conflictOf(() => apply(afterScale, next, 'kubectl', { now: T3 }));
  assert.deepEqual(err.conflicts.map((c) => `${c.manager} ${c.field}`), ['kubectl-scale .spec.replicas']);
});

test('bad applied configurations are refused', () => {
  const withManagedFields = config();
  withManagedFields.metadata.managedFields = [];
  assert.throws(() => apply(undefined, withManagedFields, 'kubectl'), (err: unknown) => isInvalidArgument(err) && /^BerthError: metadata.managedFields must be nil$/.test(String(err)));
  assert.throws(
    () => apply(undefined, { ...config(), apiVersion: 'apps/v1beta1' }, 'kubectl'),
    (err: unknown) => isInvalidArgument(err) && /Specified patch version: apps\/v1beta1, expected: apps\/v1/.test(String(err)),
  );
  assert.throws(
    () => apply(undefined, config({ containers: [{ image: 'x' }] }), 'kubectl'),
    (err: unknown) => isInvalidArgument(err) && /containers\[0\]: associative list with keys \[name\] has an element without any key field/.test(String(err)),
  );
  assert.throws(
    () => apply(undefined, config({ containers: [{ name: 'a' }, { name: 'a' }] }), 'kubectl'),
    (err: unknown) => isInvalidArgument(err) && /duplicate entries for key \[name="a"\]/.test(String(err)),
  );
});

test('inputs are not modified', () => {
  const live = apply(undefined, config({ replicas: 2 }), 'kubectl');
  const cfg = config({ replicas: 3 });
  const liveBefore = structuredClone(live);
  const cfgBefore = structuredClone(cfg);
  apply(live, cfg, 'other', { force: true });
  update(live, cfg, 'other');
  assert.deepEqual(live, liveBefore);
  assert.deepEqual(cfg, cfgBefore);
});
