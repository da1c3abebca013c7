/**
 * OpenAPI v3 documents per group version, shaped as kube-apiserver publishes them at
 * /openapi/v3/apis/<group>/<version>: operations carrying x-kubernetes-action and
 * x-kubernetes-group-version-kind (kubectl finds the PATCH operation of a kind and checks
 * its fieldValidation parameter and strategic-merge content type), and component schemas
 * with the patch extensions client-side apply reads.
 */
import { sourceOf } from './described.js';
import type { KubeObject, Strategy } from './index.js';
import { listMetaSchema, objectMetaSchema } from './meta.js';
import { anyValue, bool, int32, int64, list, obj, type Schema, str } from './schema.js';

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): KubeObject => ({ $ref: `#/components/schemas/${name}` });

const statusSchema = obj({
  apiVersion: str(), kind: str(), metadata: listMetaSchema, status: str(), message: str(), reason: str(), code: int32(),
  details: obj({
    name: str(), group: str(), kind: str(), uid: str(), retryAfterSeconds: int32(),
    causes: list(obj({ reason: str(), message: str(), field: str() }, { name: `${metaV1}.StatusCause` })),
  }, { name: `${metaV1}.StatusDetails` }),
}, { name: `${metaV1}.Status` });

const deleteOptionsSchema = obj({
  apiVersion: str(), kind: str(), gracePeriodSeconds: int64(),
  preconditions: obj({ uid: str(), resourceVersion: str() }, { name: `${metaV1}.Preconditions` }),
  orphanDependents: bool(), propagationPolicy: str(), dryRun: list(str()), ignoreStoreReadErrorWithClusterBreakingPotential: bool(),
}, { name: `${metaV1}.DeleteOptions` });

const scaleSchema = obj({
  apiVersion: str(), kind: str(), metadata: objectMetaSchema,
  spec: obj({ replicas: int32() }, { name: 'io.k8s.api.autoscaling.v1.ScaleSpec' }),
  status: obj({ replicas: int32(), selector: str() }, { name: 'io.k8s.api.autoscaling.v1.ScaleStatus', required: ['replicas'] }),
}, { name: 'io.k8s.api.autoscaling.v1.Scale' });

/** Converts a schema node, registering named objects as components; returns the node to embed. */
function convert(schema: Schema, components: Record<string, KubeObject>): KubeObject {
  switch (schema.type) {
    case 'object': {
      const body: KubeObject = { type: 'object', properties: {} };
      if (schema.description) body.description = schema.description;
      for (const [k, child] of Object.entries(schema.fields)) body.properties[k] = property(child, components);
      if (schema.required && schema.required.length > 0) body.required = [...schema.required];
      if (schema.structType === 'atomic') body['x-kubernetes-map-type'] = 'atomic';
      if (!schema.name) return body;
      if (!components[schema.name]) {
        components[schema.name] = body;
      }
      return ref(schema.name);
    }
    case 'map': {
      const body: KubeObject = { type: 'object', additionalProperties: property(schema.values, components) };
      if (schema.mapType === 'atomic') body['x-kubernetes-map-type'] = 'atomic';
      return body;
    }
    case 'array': {
      const body: KubeObject = { type: 'array', items: property(schema.items, components) };
      const listType = schema.listType ?? (schema.mergeKey ? 'map' : 'atomic');
      body['x-kubernetes-list-type'] = listType;
      if (listType === 'map') body['x-kubernetes-list-map-keys'] = schema.mapKeys ?? (schema.mergeKey ? [schema.mergeKey] : []);
      if (schema.mergeKey) body['x-kubernetes-patch-merge-key'] = schema.mergeKey;
      if (schema.strategy) body['x-kubernetes-patch-strategy'] = schema.strategy;
      return body;
    }
    case 'string':
      return { type: 'string', ...(schema.format ? { format: schema.format } : {}), ...(schema.enum ? { enum: [...schema.enum] } : {}) };
    case 'integer':
      return { type: 'integer', format: schema.format };
    case 'number':
      return { type: 'number', ...(schema.format ? { format: schema.format } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'int-or-string':
      return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    case 'quantity':
      return { type: 'string', format: 'quantity' };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
}

/** A property: named objects are embedded as `allOf: [$ref]` so extensions can sit beside them, as kube-openapi does. */
function property(schema: Schema, components: Record<string, KubeObject>): KubeObject {
  const converted = convert(schema, components);
  if (!converted.$ref) return converted;
  const prop: KubeObject = { allOf: [converted], default: {} };
  if (schema.type === 'object' && schema.strategy) prop['x-kubernetes-patch-strategy'] = schema.strategy;
  return prop;
}

/** What `kubectl explain` prints for each kind and for the fields every object has (our own wording). */
const kindDescriptions: Record<string, string> = {
  Namespace: 'Namespace provides a scope for names of namespaced objects.',
  Pod: 'Pod is a group of containers scheduled together onto one node, sharing network and storage.',
  Service: 'Service gives a set of pods, chosen by a label selector, one stable virtual address and ports.',
  Endpoints: 'Endpoints lists the addresses and ports that implement a Service.',
  ConfigMap: 'ConfigMap holds non-confidential configuration data for pods to consume.',
  Secret: 'Secret holds confidential data such as passwords, tokens or keys, base64-encoded.',
  Node: 'Node is a machine that runs pods, as reported by its node agent.',
  Event: 'Event is a report of something that happened to an object in the cluster.',
  ServiceAccount: 'ServiceAccount is an identity for processes that run in pods.',
  PersistentVolumeClaim: 'PersistentVolumeClaim is a request for storage by a user.',
  Deployment: 'Deployment declares the desired state of a set of identical pods and rolls out changes through ReplicaSets.',
  ReplicaSet: 'ReplicaSet keeps a given number of pod replicas running.',
  DaemonSet: 'DaemonSet runs a copy of a pod on every eligible node.',
  StatefulSet: 'StatefulSet runs pods with stable identities and per-pod storage.',
  HorizontalPodAutoscaler: 'HorizontalPodAutoscaler scales a workload between bounds according to observed metrics.',
  PodDisruptionBudget: 'PodDisruptionBudget limits how many pods of a set voluntary disruptions may take down at once.',
  Ingress: 'Ingress routes external HTTP traffic to Services by host and path.',
  Lease: 'Lease is a lightweight lock with a holder and a duration, used for leader election and node heartbeats.',
  EndpointSlice: 'EndpointSlice lists a subset of the endpoints of a Service.',
  CustomResourceDefinition: 'CustomResourceDefinition adds a new resource type to the API, served under its own group and names.',
};
const fieldDescriptions: Record<string, string> = {
  apiVersion: 'APIVersion is the versioned schema of this representation of an object, such as apps/v1.',
  kind: 'Kind is the type of resource this object represents, in CamelCase.',
  metadata: "Standard object's metadata: name, namespace, labels, annotations, owners and server-set fields.",
  spec: 'The desired state of the object.',
  status: 'The most recently observed state of the object, written by the system.',
};

function describeTopLevel(body: KubeObject, kind: string): void {
  const description = kindDescriptions[kind];
  if (description) body.description = description;
  for (const [field, text] of Object.entries(fieldDescriptions)) {
    const prop = body.properties?.[field];
    if (prop && !prop.description) prop.description = text;
  }
}

const gvkOf = (s: Strategy): KubeObject => ({ group: s.type.group, version: s.type.version, kind: s.type.kind });

const queryParam = (name: string, description: string, type: 'string' | 'boolean' | 'integer' = 'string'): KubeObject => ({
  name, in: 'query', description, schema: { type, uniqueItems: true },
});
const params = {
  pretty: queryParam('pretty', "If 'true', then the output is pretty printed."),
  dryRun: queryParam('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: queryParam('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict'),
  force: queryParam('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: queryParam('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  orphanDependents: queryParam('orphanDependents', 'Deprecated: please use the PropagationPolicy.', 'boolean'),
  list: [
    queryParam('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
    queryParam('continue', 'The continue option should be set when retrieving more results from the server.'),
    queryParam('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
    queryParam('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
    queryParam('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
    queryParam('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
    queryParam('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
    queryParam('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true.', 'boolean'),
    queryParam('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
    queryParam('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  ],
};
const pathParam = (name: string, description: string): KubeObject => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

const readTypes = ['application/json', 'application/yaml'];
const content = (schemaRef: KubeObject, types = readTypes): KubeObject => Object.fromEntries(types.map((t) => [t, { schema: schemaRef }]));
const responses = (schemaRef: KubeObject, codes: Record<string, string>): KubeObject => {
  const out: KubeObject = {};
  for (const [code, description] of Object.entries(codes)) out[code] = { description, content: content(schemaRef) };
  out['401'] = { description: 'Unauthorized' };
  return out;
};

function tagOf(group: string, version: string): { tag: string; opPrefix: string } {
  const first = group === '' ? 'core' : (group.split('.')[0] ?? group);
  const cap = (x: string): string => x.charAt(0).toUpperCase() + x.slice(1);
  return { tag: `${first}_${version}`, opPrefix: `${cap(first)}${cap(version)}` };
}

function operationsFor(s: Strategy, components: Record<string, KubeObject>, custom: boolean): Record<string, KubeObject> {
  const t = s.type;
  const { tag, opPrefix } = tagOf(t.group, t.version);
  const prefix = t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  const objName = componentName(s);
  const listName = `${objName.slice(0, objName.length - t.kind.length)}${t.listKind}`;
  const objRef = ref(objName);
  const listRef = ref(listName);
  const statusRef = ref(`${metaV1}.Status`);
  const scope = t.namespaced ? 'Namespaced' : '';
  const gvk = gvkOf(s);
  const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', ...(custom ? [] : ['application/strategic-merge-patch+json'])];
  const op = (verb: string, action: string, description: string, extra: KubeObject, kindGVK = gvk, sub = ''): KubeObject => ({
    tags: [tag], description, operationId: `${verb}${opPrefix}${scope}${t.kind}${sub}`, ...extra,
    'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': kindGVK,
  });
  const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation];
  const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
  const item = `${collection}/{name}`;
  const nsParams = t.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = pathParam('name', `name of the ${t.kind}`);
  const paths: Record<string, KubeObject> = {};
  const collectionOps: KubeObject = { parameters: [...nsParams, params.pretty] };
  if (t.verbs.includes('list')) {
    collectionOps.get = op('list', 'list', `list or watch objects of kind ${t.kind}`, { parameters: params.list, responses: responses(listRef, { 200: 'OK' }) });
  }
  if (t.verbs.includes('create')) {
    collectionOps.post = op('create', 'post', `create a ${t.kind}`, {
      parameters: writeParams, requestBody: { content: { '*/*': { schema: objRef } }, required: true },
      responses: responses(objRef, { 200: 'OK', 201: 'Created', 202: 'Accepted' }),
    });
  }
  if (t.verbs.includes('deletecollection')) {
    collectionOps.delete = op('deleteCollection', 'deletecollection', `delete collection of ${t.kind}`, {
      parameters: [params.dryRun, params.gracePeriodSeconds, params.orphanDependents, params.propagationPolicy, ...params.list],
      requestBody: { content: { '*/*': { schema: ref(`${metaV1}.DeleteOptions`) } } },
      responses: responses(statusRef, { 200: 'OK' }),
    });
  }
  paths[collection] = collectionOps;
  const itemOps = (sub: string, schemaRef: KubeObject, kindGVK: KubeObject, withDelete: boolean): KubeObject => {
    const ops: KubeObject = { parameters: [nameParam, ...nsParams, params.pretty] };
    const what = sub ? `${sub.toLowerCase()} of the specified ${t.kind}` : `the specified ${t.kind}`;
    if (t.verbs.includes('get')) ops.get = op('read', 'get', `read ${what}`, { responses: responses(schemaRef, { 200: 'OK' }) }, kindGVK, sub);
    if (t.verbs.includes('update')) {
      ops.put = op('replace', 'put', `replace ${what}`, {
        parameters: writeParams, requestBody: { content: { '*/*': { schema: schemaRef } }, required: true },
        responses: responses(schemaRef, { 200: 'OK', 201: 'Created' }),
      }, kindGVK, sub);
    }
    if (t.verbs.includes('patch')) {
      ops.patch = op('patch', 'patch', `partially update ${what}`, {
        parameters: [...writeParams, params.force],
        requestBody: { content: Object.fromEntries(patchTypes.map((pt) => [pt, { schema: ref(`${metaV1}.Patch`) }])), required: true },
        responses: responses(schemaRef, { 200: 'OK', 201: 'Created' }),
      }, kindGVK, sub);
    }
    if (withDelete && t.verbs.includes('delete')) {
      ops.delete = op('delete', 'delete', `delete a ${t.kind}`, {
        parameters: [params.dryRun, params.gracePeriodSeconds, params.orphanDependents, params.propagationPolicy],
        requestBody: { content: { '*/*': { schema: ref(`${metaV1}.DeleteOptions`) } } },
        responses: responses(objRef, { 200: 'OK', 202: 'Accepted' }),
      });
    }
    return ops;
  };
  paths[item] = itemOps('', objRef, gvk, true);
  if (t.subresources.includes('status')) paths[`${item}/status`] = itemOps('Status', objRef, gvk, false);
  if (t.subresources.includes('scale')) {
    convert(scaleSchema, components);
    paths[`${item}/scale`] = itemOps('Scale', ref('io.k8s.api.autoscaling.v1.Scale'), { group: 'autoscaling', version: 'v1', kind: 'Scale' }, false);
  }
  if (t.namespaced && t.verbs.includes('list')) {
    paths[`${prefix}/${t.plural}`] = {
      parameters: [params.pretty],
      get: { ...op('list', 'list', `list or watch objects of kind ${t.kind}`, { parameters: params.list, responses: responses(listRef, { 200: 'OK' }) }), operationId: `list${opPrefix}${t.kind}ForAllNamespaces` },
    };
  }
  return paths;
}

/** The component name of a strategy's kind: the built-in schema's name, or `<reversed group>.<version>.<Kind>` for custom resources. */
function componentName(s: Strategy): string {
  const source = sourceOf(s);
  if (source?.kind === 'builtin' && source.schema.name) return source.schema.name;
  const reversed = s.type.group.split('.').reverse().join('.');
  return `${reversed}.${s.type.version}.${s.type.kind}`;
}

/** A CRD's schema as a component: metadata becomes ObjectMeta, apiVersion and kind are described. */
function customComponent(schema: KubeObject | undefined, components: Record<string, KubeObject>): KubeObject {
  const body: KubeObject = schema ? JSON.parse(JSON.stringify(schema)) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  body.type ??= 'object';
  body.properties = { ...(body.properties ?? {}) };
  body.properties.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
  body.properties.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
  body.properties.metadata = { allOf: [convert(objectMetaSchema, components)], description: "Standard object's metadata." };
  return body;
}

export function openapiV3Document(group: string, version: string, strategies: Strategy[]): KubeObject {
  const components: Record<string, KubeObject> = {};
  const paths: Record<string, KubeObject> = {};
  convert(statusSchema, components);
  convert(deleteOptionsSchema, components);
  components[`${metaV1}.Patch`] = { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' };
  for (const s of strategies) {
    if (s.type.group !== group || s.type.version !== version) continue;
    const source = sourceOf(s);
    const custom = source?.kind !== 'builtin';
    const name = componentName(s);
    if (source?.kind === 'builtin') convert(source.schema, components);
    else components[name] = customComponent(source?.schema, components);
    const listName = `${name.slice(0, name.length - s.type.kind.length)}${s.type.listKind}`;
    const gvk = [{ group: s.type.group, kind: s.type.kind, version: s.type.version }];
    components[name] = { ...components[name], 'x-kubernetes-group-version-kind': gvk };
    describeTopLevel(components[name], s.type.kind);
    const listBody = convert(obj({ apiVersion: str(), kind: str(), metadata: listMetaSchema, items: anyValue() }, {}), components);
    listBody.properties.items = { type: 'array', items: { allOf: [ref(name)], default: {} } };
    listBody.required = ['items'];
    listBody['x-kubernetes-group-version-kind'] = [{ group: s.type.group, kind: s.type.listKind, version: s.type.version }];
    components[listName] = listBody;
    Object.assign(paths, operationsFor(s, components, custom));
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: {
      schemas: components,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}
