/**
 * CustomResourceDefinitions: the CRD kind itself (its validation, incl. the structural
 * schema rules) and the Strategy of a custom resource version, driven by its
 * openAPIV3Schema (validation, pruning, defaulting, printer columns, scale/status).
 */
import { invalidArgument } from '../../../lib/errors.js';
import { Causes, goInterfaceMap, quoteValue } from './causes.js';
import { describeStrategy } from './described.js';
import { age } from './duration.js';
import type { FieldPatchInfo, PatchMeta } from '../patch/index.js';
import type { KubeObject, Strategy, TableColumn } from './index.js';
import { evaluateJSONPath, parseJSONPath } from './jsonpath.js';
import { objectMetaSchema, subdomainName, topLevel, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1035Label, isDNS1123Subdomain, isIPv4, isIPv6 } from './names.js';
import { anyValue, bool, int32, keyedList, list, obj, type Schema, str, time, unknownFieldPaths } from './schema.js';
import { ageColumn, arr, clone, column, deepEqual, ensure, makeStrategy, nameColumn, resourceType, s, values } from './strategy.js';

type JSONSchema = KubeObject;

// ---------------------------------------------------------------- the CRD kind

const ext = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const named = (name: string, fields: Record<string, Schema>, required?: string[]): Schema =>
  obj(fields, required ? { name: `${ext}.${name}`, required } : { name: `${ext}.${name}` });

const namesSchema = named('CustomResourceDefinitionNames', { plural: str(), singular: str(), shortNames: list(str()), kind: str(), listKind: str(), categories: list(str()) }, ['plural', 'kind']);

const crdSchema = topLevel(`${ext}.CustomResourceDefinition`, {
  spec: named('CustomResourceDefinitionSpec', {
    group: str(),
    names: namesSchema,
    scope: str(),
    versions: list(named('CustomResourceDefinitionVersion', {
      name: str(), served: bool(), storage: bool(), deprecated: bool(), deprecationWarning: str(),
      schema: named('CustomResourceValidation', { openAPIV3Schema: anyValue() }),
      subresources: named('CustomResourceSubresources', {
        status: anyValue(),
        scale: named('CustomResourceSubresourceScale', { specReplicasPath: str(), statusReplicasPath: str(), labelSelectorPath: str() }, ['specReplicasPath', 'statusReplicasPath']),
      }),
      additionalPrinterColumns: list(named('CustomResourceColumnDefinition', { name: str(), type: str(), format: str(), description: str(), priority: int32(), jsonPath: str() }, ['name', 'type', 'jsonPath'])),
      selectableFields: list(named('SelectableField', { jsonPath: str() }, ['jsonPath'])),
    }, ['name', 'served', 'storage'])),
    conversion: named('CustomResourceConversion', { strategy: str(), webhook: anyValue() }, ['strategy']),
    preserveUnknownFields: bool(),
  }, ['group', 'names', 'scope', 'versions']),
  status: named('CustomResourceDefinitionStatus', {
    conditions: keyedList(named('CustomResourceDefinitionCondition', { type: str(), status: str(), lastTransitionTime: time(), reason: str(), message: str() }, ['type', 'status']), 'type'),
    acceptedNames: namesSchema,
    storedVersions: list(str()),
  }),
});

const schemaTypes = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const columnTypes = ['boolean', 'date', 'integer', 'number', 'string'];

/** Kubernetes' structural schema rules, reported under `path`. */
function validateStructural(schema: JSONSchema, path: string, causes: Causes, where: 'root' | 'property' | 'items' | 'additional'): void {
  if (!schema || typeof schema !== 'object') return;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined || schema.type === '') {
    if (where === 'root') causes.required(`${path}.type`, 'must not be empty at the root');
    else if (!intOrString && !preserve) causes.required(`${path}.type`, where === 'items' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields');
  } else if (!schemaTypes.includes(schema.type)) {
    causes.notSupported(`${path}.type`, schema.type, schemaTypes);
  } else if (where === 'root' && schema.type !== 'object') {
    causes.invalid(`${path}.type`, schema.type, 'must be object at the root');
  }
  if (intOrString && schema.type !== undefined) causes.forbidden(`${path}.type`, 'must be empty to be structural with x-kubernetes-int-or-string');
  if (schema.uniqueItems === true) causes.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic');
  if (schema.properties && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    causes.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive');
  }
  if (schema.type === 'array' && !schema.items) causes.required(`${path}.items`, 'must be specified');
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (!['atomic', 'set', 'map'].includes(listType)) causes.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']);
    if (schema.type !== 'array') causes.invalid(`${path}.x-kubernetes-list-type`, listType, 'must only be used on type array');
    if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'];
      if (!Array.isArray(keys) || keys.length === 0) causes.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map');
      else if (schema.items?.type !== 'object') causes.invalid(`${path}.items.type`, schema.items?.type ?? '', 'must be object if parent array\'s x-kubernetes-list-type is map');
      else for (const k of keys) if (!schema.items.properties?.[k]) causes.invalid(`${path}.x-kubernetes-list-map-keys`, keys, `entries must all be names of item properties (${k} is not)`);
    }
  } else if (schema['x-kubernetes-list-map-keys'] !== undefined) {
    causes.forbidden(`${path}.x-kubernetes-list-map-keys`, 'must not be set if x-kubernetes-list-type is not map');
  }
  if (where === 'root' && schema.properties?.metadata) {
    const meta = schema.properties.metadata;
    const extra = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (meta.type !== undefined && meta.type !== 'object') causes.invalid(`${path}.properties[metadata].type`, meta.type, 'must be object');
    if (extra.length > 0 || meta.additionalProperties !== undefined) causes.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified');
  }
  if (schema.default !== undefined) {
    if (where === 'root') causes.forbidden(`${path}.default`, 'must not be set at the root');
    else {
      // As Kubernetes does, the default is itself defaulted before it is checked.
      const value = clone(schema.default);
      applyDefaults(schema, value);
      validateAgainstSchema({ ...schema, default: undefined }, value, `${path}.default`, causes);
    }
  }
  if (schema.pattern !== undefined) {
    try {
      new RegExp(String(schema.pattern), 'u');
    } catch {
      causes.invalid(`${path}.pattern`, schema.pattern, 'must be a valid regular expression');
    }
  }
  for (const [k, child] of Object.entries((schema.properties ?? {}) as Record<string, JSONSchema>)) {
    if (where === 'root' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    validateStructural(child, `${path}.properties[${k}]`, causes, 'property');
  }
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) validateStructural(schema.items, `${path}.items`, causes, 'items');
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') validateStructural(schema.additionalProperties, `${path}.additionalProperties`, causes, 'additional');
}

function validateCRD(crd: KubeObject, causes: Causes, old?: KubeObject): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return void causes.required('spec');
  const group = s(spec.group);
  if (!group) causes.required('spec.group');
  else {
    causes.check('spec.group', group, isDNS1123Subdomain(group));
    if (!group.includes('.')) causes.invalid('spec.group', group, 'should be a domain with at least one dot');
  }
  const names = spec.names ?? {};
  if (!names.plural) causes.required('spec.names.plural');
  else causes.check('spec.names.plural', names.plural, isDNS1035Label(names.plural));
  if (names.singular) causes.check('spec.names.singular', names.singular, isDNS1035Label(names.singular));
  if (!names.kind) causes.required('spec.names.kind');
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) causes.invalid('spec.names.kind', names.kind, 'must be a valid kind name');
  if (names.listKind && names.listKind === names.kind) causes.invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same');
  values(names.shortNames).forEach((sn, i) => causes.check(`spec.names.shortNames[${i}]`, sn, isDNS1035Label(String(sn))));
  values(names.categories).forEach((c, i) => causes.check(`spec.names.categories[${i}]`, c, isDNS1035Label(String(c))));
  const expected = `${s(names.plural)}.${group}`;
  if (crd.metadata?.name && crd.metadata.name !== expected) causes.invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group');
  if (!['Cluster', 'Namespaced'].includes(spec.scope)) causes.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']);
  const versions = arr(spec.versions);
  if (versions.length === 0) causes.invalid('spec.versions', spec.versions ?? null, 'must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage === true).length !== 1) causes.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version');
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (!v.name) causes.required(`${path}.name`);
    else {
      causes.check(`${path}.name`, v.name, isDNS1035Label(v.name));
      if (seen.has(v.name)) causes.duplicate(`${path}.name`, v.name);
      seen.add(v.name);
    }
    const root = v.schema?.openAPIV3Schema;
    if (!root) causes.required(`${path}.schema.openAPIV3Schema`, 'schemas are required');
    else validateStructural(root, `${path}.schema.openAPIV3Schema`, causes, 'root');
    arr(v.additionalPrinterColumns).forEach((c, j) => {
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!c.name) causes.required(`${cp}.name`);
      if (!columnTypes.includes(c.type)) causes.notSupported(`${cp}.type`, c.type ?? '', columnTypes);
      if (c.format && !['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'].includes(c.format)) {
        causes.notSupported(`${cp}.format`, c.format, ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password']);
      }
      if (typeof c.priority === 'number' && c.priority < 0) causes.invalid(`${cp}.priority`, c.priority, 'must be greater than or equal to 0');
      if (!c.jsonPath) causes.required(`${cp}.jsonPath`);
      else {
        try {
          parseJSONPath(c.jsonPath);
        } catch (err) {
          causes.invalid(`${cp}.jsonPath`, c.jsonPath, (err as Error).message);
        }
      }
    });
    const scale = v.subresources?.scale;
    if (scale) {
      if (!String(scale.specReplicasPath ?? '').startsWith('.spec.')) causes.invalid(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath ?? '', 'should be a json path under .spec');
      if (!String(scale.statusReplicasPath ?? '').startsWith('.status.')) causes.invalid(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath ?? '', 'should be a json path under .status');
      if (scale.labelSelectorPath !== undefined && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
        causes.invalid(`${path}.subresources.scale.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status');
      }
    }
    arr(v.selectableFields).forEach((f, j) => {
      if (!f.jsonPath) causes.required(`${path}.selectableFields[${j}].jsonPath`);
      else if (!/^\.[A-Za-z0-9_.-]+$/.test(f.jsonPath)) causes.invalid(`${path}.selectableFields[${j}].jsonPath`, f.jsonPath, 'must be a simple path to a scalar field');
    });
  });
  if (spec.preserveUnknownFields === true) {
    causes.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead');
  }
  const strategies = ['None', 'Webhook'];
  if (spec.conversion?.strategy !== undefined && !strategies.includes(spec.conversion.strategy)) causes.notSupported('spec.conversion.strategy', spec.conversion.strategy, strategies);
  if (spec.conversion?.strategy === 'Webhook') causes.forbidden('spec.conversion.strategy', 'webhook conversion is not supported by this server');
  if (old?.spec) {
    if (old.spec.group !== undefined && spec.group !== old.spec.group) causes.immutable('spec.group', spec.group);
    if (old.spec.scope !== undefined && spec.scope !== old.spec.scope) causes.immutable('spec.scope', spec.scope);
    if (old.spec.names?.plural !== undefined && spec.names?.plural !== old.spec.names.plural) causes.immutable('spec.names.plural', spec.names?.plural);
    const stored = values(old.status?.storedVersions).map(String);
    for (const v of stored) {
      if (!versions.some((x) => x.name === v)) causes.invalid('status.storedVersions', stored, `must appear in spec.versions: ${v}`);
    }
  }
}

export function crdStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({
      group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false,
      shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'], usesGeneration: true,
    }),
    schema: crdSchema,
    nameCheck: subdomainName,
    default(crd) {
      const spec = ensure(crd, 'spec');
      const names = ensure(spec, 'names');
      if (typeof names.kind === 'string') {
        names.singular ??= names.kind.toLowerCase();
        names.listKind ??= `${names.kind}List`;
      }
      ensure(spec, 'conversion').strategy ??= 'None';
    },
    validate: validateCRD,
  });
}

// ---------------------------------------------------------------- custom resources

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  const t = jsonType(v);
  return t === type || (type === 'number' && t === 'integer');
}

const formatChecks: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: (v) => /^(.+)\/(\d{1,3})$/.test(v) && (isIPv4(v.split('/')[0] ?? '') || isIPv6(v.split('/')[0] ?? '')),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  email: (v) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v),
  hostname: (v) => isDNS1123Subdomain(v.toLowerCase()).length === 0,
  uri: (v) => {
    try {
      return new URL(v).protocol !== '';
    } catch {
      return false;
    }
  },
  duration: (v) => /^(-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v) || v === '0',
  mac: (v) => /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(v),
};

/** Validates `value` against a structural schema; `path` is the field path ('spec.replicas'). */
function validateAgainstSchema(schema: JSONSchema | undefined, value: unknown, path: string, causes: Causes): void {
  if (!schema || typeof schema !== 'object') return;
  const display = path || '<root>';
  if (value === null || value === undefined) {
    if (value === null && !schema.nullable && schema.type) causes.typeInvalid(path, 'null', `${display} in body must be of type ${schema.type}: "null"`);
    return;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      causes.typeInvalid(path, value, `${display} in body must be of type integer,string: ${quoteValue(jsonType(value))}`);
      return;
    }
  } else if (schema.type && !typeMatches(schema.type, value)) {
    causes.typeInvalid(path, value, `${display} in body must be of type ${schema.type}: ${quoteValue(jsonType(value))}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e: unknown) => deepEqual(e, value))) {
    causes.notSupported(path, value, schema.enum.map((e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e))));
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) causes.tooLong(path, schema.maxLength);
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) causes.invalid(path, value, `${display} in body should be at least ${schema.minLength} chars long`);
    if (typeof schema.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value)) causes.invalid(path, value, `${display} in body should match '${schema.pattern}'`);
    }
    const check = typeof schema.format === 'string' ? formatChecks[schema.format] : undefined;
    if (check && !check(value)) causes.invalid(path, value, `${display} in body must be of type ${schema.format}: ${quoteValue(value)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.maximum === 'number') {
      if (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum) {
        causes.invalid(path, value, `${display} in body should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${schema.maximum}`);
      }
    }
    if (typeof schema.minimum === 'number') {
      if (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum) {
        causes.invalid(path, value, `${display} in body should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${schema.minimum}`);
      }
    }
    if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0 && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) {
      causes.invalid(path, value, `${display} in body should be a multiple of ${schema.multipleOf}`);
    }
    if (schema.format === 'int32' && (value < -2147483648 || value > 2147483647)) causes.invalid(path, value, `${display} in body must be of type int32: ${quoteValue(String(value))}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      causes.list.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) causes.invalid(path, value.length, `${display} in body should have at least ${schema.minItems} items`);
    value.forEach((item, i) => validateAgainstSchema(schema.items, item, `${path}[${i}]`, causes));
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      value.forEach((item, i) => {
        if (value.slice(0, i).some((prev) => deepEqual(prev, item))) causes.duplicate(`${path}[${i}]`, item);
      });
    } else if (listType === 'map') {
      const keys = values(schema['x-kubernetes-list-map-keys']).map(String);
      const seen: unknown[][] = [];
      value.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const k = keys.map((key) => item[key] ?? schema.items?.properties?.[key]?.default);
        if (seen.some((prev) => deepEqual(prev, k))) causes.duplicate(`${path}[${i}]`, goInterfaceMap(Object.fromEntries(keys.map((key, j) => [key, k[j]]))));
        seen.push(k);
      });
    }
  }
  if (isPlainObject(value)) {
    for (const r of values(schema.required)) {
      if (value[String(r)] === undefined) causes.required(path ? `${path}.${String(r)}` : String(r));
    }
    const count = Object.keys(value).length;
    if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) {
      causes.list.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
    }
    if (typeof schema.minProperties === 'number' && count < schema.minProperties) causes.invalid(path, count, `${display} in body should have at least ${schema.minProperties} properties`);
    const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
    for (const [k, v] of Object.entries(value)) {
      const child = props[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (child) validateAgainstSchema(child, v, path ? `${path}.${k}` : k, causes);
    }
    if (schema['x-kubernetes-embedded-resource'] === true) {
      if (!value.apiVersion) causes.required(`${path}.apiVersion`, 'must not be empty');
      if (!value.kind) causes.required(`${path}.kind`, 'must not be empty');
      if (isPlainObject(value.metadata) && typeof value.metadata.name === 'string' && value.metadata.name !== '') {
        causes.check(`${path}.metadata.name`, value.metadata.name, isDNS1123Subdomain(value.metadata.name));
      }
    }
  }
  for (const sub of arr(schema.allOf)) validateAgainstSchema(sub, value, path, causes);
  const passes = (sub: JSONSchema): boolean => {
    const c = new Causes();
    validateAgainstSchema(sub, value, path, c);
    return c.list.length === 0;
  };
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0 && !schema.anyOf.some(passes)) causes.invalid(path, value, `${display} in body must validate at least one schema (anyOf)`);
  if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0 && schema.oneOf.filter(passes).length !== 1) causes.invalid(path, value, `${display} in body must validate one and only one schema (oneOf)`);
  if (isPlainObject(schema.not) && passes(schema.not)) causes.invalid(path, value, `${display} in body must not validate the schema (not)`);
}

const preserves = (schema: JSONSchema): boolean => schema['x-kubernetes-preserve-unknown-fields'] === true;

/** Removes fields the schema does not know (Kubernetes' pruning), keeping apiVersion/kind/metadata at roots. */
function prune(schema: JSONSchema | undefined, value: unknown, root: boolean): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) prune(schema.items, item, false);
    return;
  }
  if (!isPlainObject(value)) return;
  const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(value)) {
    if (embedded && (k === 'apiVersion' || k === 'kind')) continue;
    if (embedded && k === 'metadata') {
      if (root) for (const p of unknownFieldPaths(objectMetaSchema, value[k])) delete (value[k] as Record<string, unknown>)[p.slice(1)];
      continue;
    }
    const child = props[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (child) prune(child, value[k], false);
    else if (!preserves(schema) && schema.additionalProperties !== true) delete value[k];
  }
}

/** Paths of fields pruning would drop ('.spec.foo'), for fieldValidation=Strict. */
function unknownSchemaFields(schema: JSONSchema | undefined, value: unknown, path: string, root: boolean, out: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownSchemaFields(schema.items, item, `${path}[${i}]`, false, out));
    return;
  }
  if (!isPlainObject(value)) return;
  const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const [k, v] of Object.entries(value)) {
    if (embedded && (k === 'apiVersion' || k === 'kind')) continue;
    if (embedded && k === 'metadata') {
      out.push(...unknownFieldPaths(objectMetaSchema, v, `${path}.metadata`));
      continue;
    }
    const child = props[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (child) unknownSchemaFields(child, v, `${path}.${k}`, false, out);
    else if (!preserves(schema) && schema.additionalProperties !== true) out.push(`${path}.${k}`);
  }
}

/** Applies `default`s (and drops nulls of non-nullable fields first), as the apiserver does on read and write. */
function applyDefaults(schema: JSONSchema | undefined, value: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isPlainObject(value)) return;
  const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
  for (const [k, child] of Object.entries(props)) {
    if (value[k] === null && !child.nullable) delete value[k];
    if (value[k] === undefined && child.default !== undefined) value[k] = clone(child.default);
  }
  for (const [k, v] of Object.entries(value)) {
    const child = props[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (child) applyDefaults(child, v);
  }
}

function schemaNodeAt(schema: JSONSchema | undefined, path: readonly string[]): JSONSchema | undefined {
  let node = schema;
  for (const step of path) {
    while (node && node.type === 'array' && node.items) node = node.items;
    if (!node) return undefined;
    node = node.properties?.[step] ?? (isPlainObject(node.additionalProperties) ? node.additionalProperties : undefined);
  }
  return node;
}

function schemaPatchMeta(schema: JSONSchema | undefined): PatchMeta {
  return {
    lookup(path): FieldPatchInfo | undefined {
      const node = schemaNodeAt(schema, path);
      if (!node) return undefined;
      if (node.type === 'array') {
        const listType = (node['x-kubernetes-list-type'] ?? 'atomic') as FieldPatchInfo['listType'];
        const info: FieldPatchInfo = { listType };
        if (listType === 'map') info.listMapKeys = values(node['x-kubernetes-list-map-keys']).map(String);
        return info;
      }
      if (node.type === 'object' || node.properties || node.additionalProperties) {
        const mapType = (node['x-kubernetes-map-type'] ?? 'granular') as 'atomic' | 'granular';
        return node.properties ? { structType: mapType } : { mapType };
      }
      return undefined;
    },
  };
}

/** A printer cell for a CRD column as the apiextensions table convertor renders it. */
function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : age(value, now);
    }
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function crdVersion(crd: KubeObject, version: string): KubeObject {
  const v = arr(crd.spec?.versions).find((x) => x.name === version);
  if (!v) throw invalidArgument(`CustomResourceDefinition ${s(crd.metadata?.name)} has no version ${JSON.stringify(version)}`);
  return v;
}

export function customResourceStrategy(crd: KubeObject, version: string): Strategy {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const v = crdVersion(crd, version);
  const schema: JSONSchema | undefined = v.schema?.openAPIV3Schema;
  const subresources: string[] = [];
  if (v.subresources?.status !== undefined) subresources.push('status');
  if (v.subresources?.scale) subresources.push('scale');
  const type = resourceType({
    group: s(spec.group), version, kind: s(names.kind), listKind: s(names.listKind) || `${s(names.kind)}List`, plural: s(names.plural),
    singular: s(names.singular) || s(names.kind).toLowerCase(), namespaced: spec.scope === 'Namespaced',
    shortNames: values(names.shortNames).map(String), categories: values(names.categories).map(String), subresources, usesGeneration: true,
  });
  const printerColumns = arr(v.additionalPrinterColumns).map((c) => ({ def: c, steps: parseJSONPath(String(c.jsonPath)) }));
  const columns: TableColumn[] = printerColumns.length > 0
    ? [nameColumn, ...printerColumns.map(({ def }) => column(s(def.name), s(def.type), s(def.description), Number(def.priority ?? 0), s(def.format)))]
    : [nameColumn, { ...ageColumn, type: 'date' }];
  const selectable = arr(v.selectableFields).map((f) => ({ field: String(f.jsonPath).replace(/^\./, ''), steps: parseJSONPath(String(f.jsonPath)) }));
  const strategy: Strategy = {
    type,
    default(obj) {
      prune(schema, obj, true);
      applyDefaults(schema, obj);
    },
    validate(obj, old) {
      const causes = new Causes();
      validateObjectMeta(obj.metadata, { namespaced: type.namespaced, nameCheck: subdomainName }, causes);
      if (old) validateObjectMetaUpdate(obj.metadata, old.metadata, causes);
      if (schema) {
        const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
        const rootSchema: JSONSchema = { ...schema, properties: { ...(schema.properties ?? {}) } };
        delete rootSchema.properties.metadata;
        delete rootSchema.properties.apiVersion;
        delete rootSchema.properties.kind;
        rootSchema.required = values(schema.required).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(String(r)));
        validateAgainstSchema(rootSchema, rest, '', causes);
        const metaSchema = schema.properties?.metadata?.properties;
        if (metaSchema && isPlainObject(metadata)) {
          for (const k of ['name', 'generateName']) if (metaSchema[k] && metadata[k] !== undefined) validateAgainstSchema(metaSchema[k], metadata[k], `metadata.${k}`, causes);
        }
      }
      return causes.list;
    },
    unknownFields(obj) {
      const out: string[] = [];
      if (schema) unknownSchemaFields(schema, obj, '', true, out);
      return out;
    },
    selectableFields(obj) {
      const fields: Record<string, string> = { 'metadata.name': s(obj.metadata?.name) };
      if (type.namespaced) fields['metadata.namespace'] = s(obj.metadata?.namespace);
      for (const f of selectable) {
        const got = evaluateJSONPath(f.steps, obj)[0];
        fields[f.field] = got === undefined || got === null ? '' : typeof got === 'object' ? JSON.stringify(got) : String(got);
      }
      return fields;
    },
    tableColumns: columns,
    tableRow(obj, now) {
      const name = s(obj.metadata?.name);
      if (printerColumns.length === 0) return [name, age(obj.metadata?.creationTimestamp, now)];
      return [name, ...printerColumns.map(({ def, steps }) => cellFor(s(def.type), evaluateJSONPath(steps, obj)[0], now))];
    },
    patchMeta: schemaPatchMeta(schema),
  };
  const scale = v.subresources?.scale;
  if (scale) {
    strategy.scale = { specReplicasPath: s(scale.specReplicasPath), statusReplicasPath: s(scale.statusReplicasPath) };
    if (scale.labelSelectorPath) strategy.scale.labelSelectorPath = s(scale.labelSelectorPath);
  }
  describeStrategy(strategy, { kind: 'custom', schema });
  return strategy;
}

