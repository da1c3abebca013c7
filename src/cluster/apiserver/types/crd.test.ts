import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customResourceStrategy, type KubeObject } from './index.js';
import { createCauses, lines, strategyFor } from './test-helpers.js';

const crdStrategy = strategyFor('apiextensions.k8s.io', 'CustomResourceDefinition');
const now = new Date('2024-05-01T12:00:00Z');

function crontabCRD(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        selectableFields: [{ jsonPath: '.spec.color' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                properties: {
                  cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
                  image: { type: 'string', maxLength: 20 },
                  replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
                  color: { type: 'string', enum: ['red', 'green'], default: 'red' },
                  port: { 'x-kubernetes-int-or-string': true },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
                  ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  started: { type: 'string', format: 'date-time' },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                  note: { type: 'string', nullable: true },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } } } },
            },
          },
        },
      }],
    },
  };
}

const crontab = (spec: KubeObject): KubeObject => ({
  apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-cron', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec,
});

describe('CustomResourceDefinition objects', () => {
  it('accepts a structural CRD and defaults its names', () => {
    const crd = crontabCRD();
    delete crd.spec.names.singular;
    assert.deepEqual(createCauses(crdStrategy, crd), []);
    assert.equal(crd.spec.names.singular, 'crontab');
    assert.equal(crd.spec.names.listKind, 'CronTabList');
    assert.equal(crd.spec.conversion.strategy, 'None');
    assert.deepEqual(crdStrategy.type.shortNames, ['crd', 'crds']);
    assert.deepEqual(crdStrategy.tableColumns.map((c) => c.name), ['Name', 'Created At']);
    assert.deepEqual(crdStrategy.tableRow({ metadata: { name: 'a.b.c', creationTimestamp: '2024-05-01T11:00:00Z' } }, now), ['a.b.c', '2024-05-01T11:00:00Z']);
  });

  it('refuses wrong names, groups, storage versions and non-structural schemas', () => {
    const crd = crontabCRD();
    crd.metadata.name = 'crontab.example.com';
    crd.spec.group = 'example';
    crd.spec.versions.push({ name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } }, list: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } } } } } });
    crd.spec.versions[0].additionalPrinterColumns.push({ name: 'Bad', type: 'color', jsonPath: '.spec.x' });
    crd.spec.names.shortNames = ['ct', 'Bad_Short'];
    crd.spec.preserveUnknownFields = true;
    const out = lines(createCauses(crdStrategy, crd));
    const expect = [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'metadata.name: Invalid value: "crontab.example.com": must be spec.names.plural+"."+spec.group',
      'spec.versions: Invalid value: []string{"v1", "v2"}: must have exactly one version marked as storage version',
      'spec.names.shortNames[1]: Invalid value: "Bad_Short": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      'spec.versions[0].additionalPrinterColumns[4].type: Unsupported value: "color": supported values: "boolean", "date", "integer", "number", "string"',
      'spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
      'spec.versions[1].schema.openAPIV3Schema.properties[list].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map',
    ];
    for (const e of expect) assert.ok(out.includes(e), `${e} not in\n${out.join('\n')}`);
    const badDefault = crontabCRD();
    badDefault.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.replicas.default = 20;
    assert.deepEqual(lines(createCauses(crdStrategy, badDefault)), [
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: 20: spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].default in body should be less than or equal to 10',
    ]);
    const nestedDefault = crontabCRD();
    nestedDefault.spec.versions[0].schema.openAPIV3Schema.properties.status = { type: 'object', default: {}, required: ['phase'], properties: { phase: { type: 'string', default: 'New' } } };
    assert.deepEqual(createCauses(crdStrategy, nestedDefault), []);
    const noSchema = crontabCRD();
    delete noSchema.spec.versions[0].schema;
    assert.deepEqual(lines(createCauses(crdStrategy, noSchema)), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
  });

  it('keeps group and scope immutable', () => {
    const old = crontabCRD();
    crdStrategy.default(old);
    const next = structuredClone(old);
    next.spec.scope = 'Cluster';
    assert.deepEqual(lines(crdStrategy.validate(next, old)), ['spec.scope: Invalid value: "Cluster": field is immutable']);
  });
});

describe('customResourceStrategy', () => {
  const s = customResourceStrategy(crontabCRD(), 'v1');

  it('derives discovery facts and subresources from the CRD', () => {
    assert.deepEqual({ ...s.type }, {
      group: 'stable.example.com', version: 'v1', kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', singular: 'crontab', namespaced: true,
      shortNames: ['ct'], categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: ['status', 'scale'], hasStatus: true, usesGeneration: true,
    });
    assert.deepEqual(s.scale, { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' });
    assert.throws(() => customResourceStrategy(crontabCRD(), 'v9'), /has no version "v9"/);
  });

  it('prunes unknown fields, applies defaults and reports unknown fields for Strict', () => {
    const obj = crontab({ cronSpec: '* * * * */5', extra: 1, free: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, whatever: 1 }, ports: [{ name: 'a', junk: 2 }], note: null, image: null });
    obj.topLevel = true;
    obj.metadata.bogus = 'x';
    assert.deepEqual(s.unknownFields(obj).sort(), ['.metadata.bogus', '.spec.extra', '.spec.ports[0].junk', '.topLevel']);
    s.default(obj);
    assert.equal(obj.topLevel, undefined);
    assert.equal(obj.metadata.bogus, undefined);
    assert.equal(obj.spec.extra, undefined);
    assert.deepEqual(obj.spec.free, { anything: { goes: true } });
    assert.equal(obj.spec.template.whatever, 1);
    assert.deepEqual(obj.spec.ports, [{ name: 'a' }]);
    assert.equal(obj.spec.replicas, 1);
    assert.equal(obj.spec.color, 'red');
    assert.equal(obj.spec.note, null, 'nullable fields keep null');
    assert.equal('image' in obj.spec, false, 'null in a non-nullable field is dropped');
    assert.deepEqual(s.validate(obj), []);
  });

  it('validates against the schema with Kubernetes-worded causes', () => {
    const obj = crontab({
      cronSpec: 'every minute', image: 'a-very-long-image-name-indeed', replicas: 11, color: 'pink', port: 1.5, tags: ['a', 'a'],
      ports: [{ name: 'x' }, { name: 'x' }], labels: { a: 1 }, started: 'yesterday', template: { metadata: {} },
    });
    const out = lines(s.validate(obj));
    const expect = [
      `spec.cronSpec: Invalid value: "every minute": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
      'spec.image: Too long: may not be more than 20 bytes',
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
      'spec.color: Unsupported value: "pink": supported values: "red", "green"',
      'spec.port: Invalid value: 1.5: spec.port in body must be of type integer,string: "number"',
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}',
      'spec.labels.a: Invalid value: 1: spec.labels.a in body must be of type string: "integer"',
      'spec.started: Invalid value: "yesterday": spec.started in body must be of type date-time: "yesterday"',
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ];
    for (const e of expect) assert.ok(out.includes(e), `${e} not in\n${out.join('\n')}`);
    assert.deepEqual(lines(s.validate(crontab({}))), ['spec.cronSpec: Required value']);
    assert.deepEqual(lines(s.validate(crontab({ cronSpec: '* * * * *', replicas: 'two' }))), ['spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"']);
    const nameless = crontab({ cronSpec: '* * * * *' });
    nameless.metadata = { namespace: 'default' };
    assert.deepEqual(lines(s.validate(nameless)), ['metadata.name: Required value: name or generateName is required']);
  });

  it('prints the additional printer columns and exposes selectable fields', () => {
    assert.deepEqual(s.tableColumns.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Spec', 'string', 0], ['Replicas', 'integer', 0], ['Ready', 'string', 1], ['Age', 'date', 0]]);
    const obj = crontab({ cronSpec: '*/5 * * * *', replicas: 2, color: 'green' });
    obj.status = { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] };
    assert.deepEqual(s.tableRow(obj, now), ['my-cron', '*/5 * * * *', 2, 'True', '60m']);
    assert.deepEqual(s.tableRow(crontab({}), now), ['my-cron', null, null, null, '60m']);
    assert.deepEqual(s.selectableFields(obj), { 'metadata.name': 'my-cron', 'metadata.namespace': 'default', 'spec.color': 'green' });
    const plain = crontabCRD();
    delete plain.spec.versions[0].additionalPrinterColumns;
    const p = customResourceStrategy(plain, 'v1');
    assert.deepEqual(p.tableColumns.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(p.tableRow(obj, now), ['my-cron', '60m']);
  });

  it('gives list types for server-side apply from the x-kubernetes extensions', () => {
    assert.deepEqual(s.patchMeta.lookup(['spec', 'ports']), { listType: 'map', listMapKeys: ['name'] });
    assert.deepEqual(s.patchMeta.lookup(['spec', 'tags']), { listType: 'set' });
    assert.deepEqual(s.patchMeta.lookup(['status', 'conditions']), { listType: 'atomic' });
    assert.deepEqual(s.patchMeta.lookup(['spec', 'labels']), { mapType: 'granular' });
    assert.deepEqual(s.patchMeta.lookup(['spec']), { structType: 'granular' });
  });
});
