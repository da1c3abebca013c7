/** core/v1 kinds other than Pod: Namespace, Service, Endpoints, ConfigMap, Secret, Node, Event, ServiceAccount, PersistentVolumeClaim. */
import type { Causes } from '../causes.js';
import { age } from '../duration.js';
import type { KubeObject, Strategy } from '../index.js';
import { conditionSchema, subdomainName, topLevel, validateLabels } from '../meta.js';
import { pvcSpecSchema } from '../core-schema.js';
import {
  isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv6, isQualifiedName, isQuantity, isValidPortName, isValidPortNum,
} from '../names.js';
import { anyValue, bool, bytes, int32, int64, intOrString, keyedList, list, mapOf, obj, quantity, type Schema, str, strMap, time } from '../schema.js';
import { ageColumn, arr, column, created, deepEqual, ensure, isSet, makeStrategy, resourceType, s, values } from '../strategy.js';

const core = 'io.k8s.api.core.v1';
const named = (name: string, fields: Record<string, Schema>, required?: string[]): Schema =>
  obj(fields, required ? { name: `${core}.${name}`, required } : { name: `${core}.${name}` });
const objectReference = named('ObjectReference', { kind: str(), namespace: str(), name: str(), uid: str(), apiVersion: str(), resourceVersion: str(), fieldPath: str() });

// ---------------------------------------------------------------- Namespace

const standardFinalizers = ['kubernetes', 'orphan', 'foregroundDeletion'];

export function namespaceStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({
      group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    }),
    schema: topLevel(`${core}.Namespace`, {
      spec: named('NamespaceSpec', { finalizers: list(str()) }),
      status: named('NamespaceStatus', { phase: str(), conditions: keyedList(named('NamespaceCondition', { type: str(), status: str(), lastTransitionTime: time(), reason: str(), message: str() }), 'type') }),
    }),
    nameCheck: isDNS1123Label,
    default(ns) {
      ensure(ns, 'metadata');
      if (typeof ns.metadata.name === 'string' && ns.metadata.name !== '') {
        ensure(ns.metadata, 'labels')['kubernetes.io/metadata.name'] = ns.metadata.name;
      }
      const spec = ensure(ns, 'spec');
      spec.finalizers ??= ['kubernetes'];
      ensure(ns, 'status').phase ??= 'Active';
    },
    validate(ns, causes) {
      values(ns.spec?.finalizers).forEach((f, i) => {
        const name = String(f);
        const errs = isQualifiedName(name);
        causes.check(`spec.finalizers[${i}]`, name, errs);
        if (errs.length === 0 && !name.includes('/') && !standardFinalizers.includes(name)) {
          causes.invalid(`spec.finalizers[${i}]`, name, 'name is neither a standard finalizer name nor is it fully qualified');
        }
      });
      const phase = ns.status?.phase;
      if (phase !== undefined && !['Active', 'Terminating'].includes(phase)) causes.notSupported('status.phase', phase, ['Active', 'Terminating']);
    },
    fields: (ns) => ({ 'status.phase': s(ns.status?.phase), name: s(ns.metadata?.name) }),
    printer: {
      columns: [column('Status', 'string', 'The status of the namespace'), ageColumn],
      cells: (ns, now) => [s(ns.status?.phase), created(ns, now)],
    },
  });
}

// ---------------------------------------------------------------- Service

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

const servicePortSchema = named('ServicePort', { name: str(), protocol: str(), appProtocol: str(), port: int32(), targetPort: intOrString(), nodePort: int32() }, ['port']);

const serviceSchema = topLevel(`${core}.Service`, {
  spec: named('ServiceSpec', {
    ports: keyedList(servicePortSchema, 'port', ['port', 'protocol']),
    selector: { type: 'map', values: str(), mapType: 'atomic' },
    clusterIP: str(),
    clusterIPs: list(str()),
    type: str(),
    externalIPs: list(str()),
    sessionAffinity: str(),
    loadBalancerIP: str(),
    loadBalancerSourceRanges: list(str()),
    externalName: str(),
    externalTrafficPolicy: str(),
    healthCheckNodePort: int32(),
    publishNotReadyAddresses: bool(),
    sessionAffinityConfig: named('SessionAffinityConfig', { clientIP: named('ClientIPConfig', { timeoutSeconds: int32() }) }),
    ipFamilies: list(str()),
    ipFamilyPolicy: str(),
    allocateLoadBalancerNodePorts: bool(),
    loadBalancerClass: str(),
    internalTrafficPolicy: str(),
    trafficDistribution: str(),
  }),
  status: named('ServiceStatus', {
    loadBalancer: named('LoadBalancerStatus', {
      ingress: list(named('LoadBalancerIngress', { ip: str(), hostname: str(), ipMode: str(), ports: list(anyValue()) })),
    }),
    conditions: keyedList(conditionSchema, 'type'),
  }),
});

function defaultService(svc: KubeObject): void {
  const spec = ensure(svc, 'spec');
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = ensure(ensure(spec, 'sessionAffinityConfig'), 'clientIP');
    cfg.timeoutSeconds ??= 10800;
  }
  for (const p of arr(spec.ports)) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && !isSet(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
    if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
    if (!isSet(spec.ipFamilies)) {
      const ip = typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None' ? spec.clusterIP : '';
      spec.ipFamilies = [ip && isIPv6(ip) ? 'IPv6' : 'IPv4'];
    }
  }
  const status = ensure(svc, 'status');
  status.loadBalancer ??= {};
}

function validateService(svc: KubeObject, causes: Causes, old?: KubeObject): void {
  const spec = svc.spec;
  if (!spec || typeof spec !== 'object') return void causes.required('spec');
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) causes.notSupported('spec.type', type, serviceTypes);
  const headless = spec.clusterIP === 'None';
  const ports = arr(spec.ports);
  if (type === 'ExternalName') {
    if (!spec.externalName) causes.required('spec.externalName');
    else causes.check('spec.externalName', spec.externalName, isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, '')));
    if (spec.clusterIP && spec.clusterIP !== '') causes.forbidden('spec.clusterIP', 'may not be set for ExternalName services');
  } else if (ports.length === 0 && !headless) {
    causes.required('spec.ports');
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) causes.required(`${path}.name`);
    if (p.name) {
      causes.check(`${path}.name`, p.name, isDNS1123Label(p.name));
      if (names.has(p.name)) causes.duplicate(`${path}.name`, p.name);
      names.add(p.name);
    }
    if (p.port === undefined) causes.required(`${path}.port`);
    else causes.check(`${path}.port`, p.port, isValidPortNum(p.port));
    const protocol = p.protocol ?? 'TCP';
    if (!protocols.includes(protocol)) causes.notSupported(`${path}.protocol`, protocol, protocols);
    const key = `${p.port}/${protocol}`;
    if (keys.has(key)) causes.duplicate(path, { port: p.port, protocol });
    keys.add(key);
    if (typeof p.targetPort === 'number') causes.check(`${path}.targetPort`, p.targetPort, isValidPortNum(p.targetPort));
    else if (typeof p.targetPort === 'string' && p.targetPort !== '') causes.check(`${path}.targetPort`, p.targetPort, isValidPortName(p.targetPort));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') causes.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${type}'`);
      else causes.check(`${path}.nodePort`, p.nodePort, isValidPortNum(p.nodePort));
    }
  });
  if (spec.sessionAffinity !== undefined && !['None', 'ClientIP'].includes(spec.sessionAffinity)) causes.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']);
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (timeout < 1 || timeout > 86400)) causes.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400');
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None' && !isIP(spec.clusterIP)) {
    causes.invalid('spec.clusterIPs[0]', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
  }
  if (Array.isArray(spec.clusterIPs) && spec.clusterIP !== undefined && spec.clusterIPs.length > 0 && spec.clusterIPs[0] !== spec.clusterIP) {
    causes.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`');
  }
  values(spec.externalIPs).forEach((ip, i) => {
    if (!isIP(String(ip))) causes.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
  });
  if (spec.selector) validateLabels(spec.selector, 'spec.selector', causes);
  if (spec.externalTrafficPolicy !== undefined) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') causes.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
    else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) causes.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']);
  }
  if (spec.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) {
    causes.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']);
  }
  const policies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
  if (spec.ipFamilyPolicy !== undefined && !policies.includes(spec.ipFamilyPolicy)) causes.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, policies);
  values(spec.ipFamilies).forEach((f, i) => {
    if (!['IPv4', 'IPv6'].includes(String(f))) causes.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']);
  });
  if (old?.spec) {
    // The primary cluster IP never changes once allocated (an empty one on update keeps it: the server copies it over).
    const before = old.spec.clusterIPs?.[0] ?? old.spec.clusterIP;
    const after = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    const changingType = type === 'ExternalName' || old.spec.type === 'ExternalName';
    if (typeof before === 'string' && before !== '' && after.length > 0 && after[0] !== '' && after[0] !== before && !changingType) {
      causes.invalid('spec.clusterIPs[0]', after, 'may not change once set');
    }
  }
}

function servicePorts(spec: KubeObject): string {
  const ports = arr(spec.ports);
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort ? `${s(p.port)}:${s(p.nodePort)}/${s(p.protocol)}` : `${s(p.port)}/${s(p.protocol)}`)).join(',');
}

function externalIPs(svc: KubeObject): string {
  const spec = svc.spec ?? {};
  const external = values(spec.externalIPs).map(String);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = arr(svc.status?.loadBalancer?.ingress).map((i) => s(i.ip) || s(i.hostname)).filter((x) => x !== '');
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s(spec.externalName);
    default:
      return '<unknown>';
  }
}

export function serviceStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status', 'proxy'] }),
    schema: serviceSchema,
    nameCheck: isDNS1035Label,
    default: defaultService,
    validate: validateService,
    fields: (svc) => ({ 'spec.clusterIP': s(svc.spec?.clusterIP), 'spec.type': s(svc.spec?.type) }),
    printer: {
      columns: [
        column('Type', 'string', 'type determines how the Service is exposed.'),
        column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
        column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
        column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
        ageColumn,
        column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
      ],
      cells(svc, now) {
        const spec = svc.spec ?? {};
        const selector = spec.selector && Object.keys(spec.selector).length > 0
          ? Object.keys(spec.selector).sort().map((k) => `${k}=${s(spec.selector[k])}`).join(',')
          : '<none>';
        return [s(spec.type), s(spec.clusterIP) || '<none>', externalIPs(svc), servicePorts(spec), created(svc, now), selector];
      },
    },
  });
}

// ---------------------------------------------------------------- Endpoints

const endpointAddress = named('EndpointAddress', { ip: str(), hostname: str(), nodeName: str(), targetRef: objectReference }, ['ip']);
const endpointsSchema = topLevel(`${core}.Endpoints`, {
  subsets: list(named('EndpointSubset', {
    addresses: list(endpointAddress),
    notReadyAddresses: list(endpointAddress),
    ports: list(named('EndpointPort', { name: str(), port: int32(), protocol: str(), appProtocol: str() }, ['port'])),
  })),
});

function formatEndpoints(eps: KubeObject): string {
  const all: string[] = [];
  let count = 0;
  const max = 3;
  for (const subset of arr(eps.subsets)) {
    const ports = arr(subset.ports);
    for (const addr of arr(subset.addresses)) {
      if (ports.length === 0) {
        count++;
        if (all.length < max) all.push(s(addr.ip));
        continue;
      }
      for (const p of ports) {
        count++;
        if (all.length < max) all.push(`${s(addr.ip)}:${s(p.port)}`);
      }
    }
  }
  if (count === 0) return '<none>';
  const text = all.join(',');
  return count > max ? `${text} + ${count - max} more...` : text;
}

export function endpointsStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'Endpoints', singular: 'endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] }),
    schema: endpointsSchema,
    nameCheck: subdomainName,
    default(eps) {
      for (const subset of arr(eps.subsets)) for (const p of arr(subset.ports)) p.protocol ??= 'TCP';
    },
    validate(eps, causes) {
      arr(eps.subsets).forEach((subset, i) => {
        const path = `subsets[${i}]`;
        if (arr(subset.addresses).length === 0 && arr(subset.notReadyAddresses).length === 0) {
          causes.required(path, 'must specify `addresses` or `notReadyAddresses`');
        }
        for (const key of ['addresses', 'notReadyAddresses'] as const) {
          arr(subset[key]).forEach((a, j) => {
            if (!isIP(s(a.ip))) causes.invalid(`${path}.${key}[${j}].ip`, s(a.ip), 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
            if (a.hostname) causes.check(`${path}.${key}[${j}].hostname`, a.hostname, isDNS1123Label(a.hostname));
          });
        }
        const ports = arr(subset.ports);
        ports.forEach((p, j) => {
          if (ports.length > 1 && !p.name) causes.required(`${path}.ports[${j}].name`);
          causes.check(`${path}.ports[${j}].port`, p.port, isValidPortNum(Number(p.port)));
          if (p.protocol !== undefined && !protocols.includes(p.protocol)) causes.notSupported(`${path}.ports[${j}].protocol`, p.protocol, protocols);
        });
      });
    },
    printer: {
      columns: [column('Endpoints', 'string', 'Endpoints of the service'), ageColumn],
      cells: (eps, now) => [formatEndpoints(eps), created(eps, now)],
    },
  });
}

// ---------------------------------------------------------------- ConfigMap and Secret

const maxDataSize = 1024 * 1024;

function validateDataKeys(obj: KubeObject, fields: string[], causes: Causes): number {
  const seen = new Map<string, string>();
  let size = 0;
  for (const field of fields) {
    const data = obj[field];
    if (!data || typeof data !== 'object') continue;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      causes.check(`${field}[${key}]`, key, isConfigMapKey(key));
      const other = seen.get(key);
      if (other !== undefined) causes.invalid(`${field}[${key}]`, key, `duplicate of key present in ${other}`);
      seen.set(key, field);
      size += key.length + String(value).length;
    }
  }
  return size;
}

function validateImmutableData(obj: KubeObject, old: KubeObject | undefined, fields: string[], causes: Causes): void {
  if (!old || old.immutable !== true) return;
  if (obj.immutable !== true) causes.forbidden('immutable', 'field is immutable when `immutable` is set');
  for (const f of fields) if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) causes.forbidden(f, 'field is immutable when `immutable` is set');
}

export function configMapStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] }),
    schema: topLevel(`${core}.ConfigMap`, { immutable: bool(), data: strMap(), binaryData: mapOf(bytes()) }),
    nameCheck: subdomainName,
    validate(cm, causes, old) {
      const size = validateDataKeys(cm, ['data', 'binaryData'], causes);
      for (const [key, value] of Object.entries((cm.binaryData ?? {}) as Record<string, unknown>)) {
        const problem = base64Problem(String(value));
        if (problem) causes.invalid(`binaryData[${key}]`, '<binary>', problem);
      }
      if (size > maxDataSize) causes.tooLong('', maxDataSize);
      validateImmutableData(cm, old, ['data', 'binaryData'], causes);
    },
    printer: {
      columns: [column('Data', 'string', 'Data contains the configuration data.'), ageColumn],
      cells: (cm, now) => [Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, created(cm, now)],
    },
  });
}

/** Why a string is not standard base64, as Go's decoder words it, or undefined. */
export function base64Problem(v: string): string | undefined {
  const alphabet = /[A-Za-z0-9+/]/;
  let i = 0;
  for (; i < v.length; i++) {
    const c = v[i] ?? '';
    if (c === '=' || c === '\n' || c === '\r') break;
    if (!alphabet.test(c)) return `illegal base64 data at input byte ${i}`;
  }
  const body = v.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    return `illegal base64 data at input byte ${Math.min(body.replace(/=+$/, '').length - (body.replace(/=+$/, '').length % 4), body.length)}`;
  }
  return undefined;
}

const secretTypes: Record<string, (data: Record<string, string>, secret: KubeObject, causes: Causes) => void> = {
  'kubernetes.io/service-account-token': (_d, secret, causes) => {
    if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) causes.required('metadata.annotations[kubernetes.io/service-account.name]');
  },
  'kubernetes.io/dockercfg': (data, _s, causes) => requireJSONKey(data, '.dockercfg', causes),
  'kubernetes.io/dockerconfigjson': (data, _s, causes) => requireJSONKey(data, '.dockerconfigjson', causes),
  'kubernetes.io/basic-auth': (data, _s, causes) => {
    if (data.username === undefined && data.password === undefined) causes.required('data[username]');
  },
  'kubernetes.io/ssh-auth': (data, _s, causes) => {
    if (data['ssh-privatekey'] === undefined) causes.required('data[ssh-privatekey]');
  },
  'kubernetes.io/tls': (data, _s, causes) => {
    if (data['tls.crt'] === undefined) causes.required('data[tls.crt]');
    if (data['tls.key'] === undefined) causes.required('data[tls.key]');
  },
};

function requireJSONKey(data: Record<string, string>, key: string, causes: Causes): void {
  const value = data[key];
  if (value === undefined) return void causes.required(`data[${key}]`);
  try {
    JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch (err) {
    causes.invalid(`data[${key}]`, '<secret contents redacted>', (err as Error).message);
  }
}

export function secretStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true }),
    schema: topLevel(`${core}.Secret`, { immutable: bool(), data: mapOf(bytes()), stringData: strMap(), type: str() }),
    nameCheck: subdomainName,
    default(secret) {
      secret.type ??= 'Opaque';
      // stringData is write-only: it is folded into data, overriding keys present in both.
      if (secret.stringData && typeof secret.stringData === 'object') {
        const data = ensure(secret, 'data');
        for (const [k, v] of Object.entries(secret.stringData as Record<string, unknown>)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        delete secret.stringData;
      }
    },
    validate(secret, causes, old) {
      const data = (secret.data ?? {}) as Record<string, string>;
      validateDataKeys(secret, ['data'], causes);
      for (const [key, value] of Object.entries(data)) {
        const problem = typeof value === 'string' ? base64Problem(value) : 'must be a base64 encoded string';
        if (problem) causes.invalid(`data[${key}]`, '<secret contents redacted>', problem);
      }
      const size = Object.entries(data).reduce((n, [k, v]) => n + k.length + Math.floor((String(v).length * 3) / 4), 0);
      if (size > maxDataSize) causes.tooLong('data', maxDataSize);
      const type = String(secret.type ?? 'Opaque');
      if (type !== 'Opaque' && type !== '') {
        if (secretTypes[type]) secretTypes[type](data, secret, causes);
        else causes.check('type', type, isQualifiedName(type));
      }
      if (old) {
        if (old.type !== undefined && secret.type !== old.type) causes.immutable('type', secret.type);
        validateImmutableData(secret, old, ['data'], causes);
      }
    },
    fields: (secret) => ({ type: s(secret.type) }),
    printer: {
      columns: [column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), column('Data', 'string', 'Data contains the secret data.'), ageColumn],
      cells: (secret, now) => [s(secret.type), Object.keys(secret.data ?? {}).length, created(secret, now)],
    },
  });
}

// ---------------------------------------------------------------- Node

const taintSchema = named('Taint', { key: str(), value: str(), effect: str(), timeAdded: time() }, ['key', 'effect']);
const nodeSchema = topLevel(`${core}.Node`, {
  spec: named('NodeSpec', {
    podCIDR: str(), podCIDRs: setList(), providerID: str(), unschedulable: bool(), taints: list(taintSchema), configSource: anyValue(), externalID: str(),
  }),
  status: named('NodeStatus', {
    capacity: mapOf(quantity()), allocatable: mapOf(quantity()), phase: str(),
    conditions: keyedList(named('NodeCondition', { type: str(), status: str(), lastHeartbeatTime: time(), lastTransitionTime: time(), reason: str(), message: str() }, ['type', 'status']), 'type'),
    // Merged by type in strategic merge patch, yet atomic for server-side apply, as in Kubernetes.
    addresses: { ...keyedList(named('NodeAddress', { type: str(), address: str() }, ['type', 'address']), 'type'), listType: 'atomic' } as Schema,
    daemonEndpoints: named('NodeDaemonEndpoints', { kubeletEndpoint: named('DaemonEndpoint', { Port: int32() }, ['Port']) }),
    nodeInfo: named('NodeSystemInfo', {
      machineID: str(), systemUUID: str(), bootID: str(), kernelVersion: str(), osImage: str(), containerRuntimeVersion: str(), kubeletVersion: str(),
      kubeProxyVersion: str(), operatingSystem: str(), architecture: str(), swap: anyValue(),
    }),
    images: list(named('ContainerImage', { names: list(str()), sizeBytes: int64() })),
    volumesInUse: list(str()), volumesAttached: list(anyValue()), config: anyValue(), runtimeHandlers: list(anyValue()), features: anyValue(),
  }),
});

function setList(): Schema {
  return { type: 'array', items: str(), listType: 'set', strategy: 'merge' };
}

const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

function nodeStatus(node: KubeObject): string {
  const conditions = arr(node.status?.conditions);
  const states: string[] = [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) states.push('Unknown');
  else if (ready.status === 'True') states.push('Ready');
  else states.push('NotReady');
  if (node.spec?.unschedulable === true) states.push('SchedulingDisabled');
  return states.join(',');
}

const nodeAddress = (node: KubeObject, type: string): string => s(arr(node.status?.addresses).find((a) => a.type === type)?.address) || '<none>';

export function nodeStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'] }),
    schema: nodeSchema,
    nameCheck: subdomainName,
    default(node) {
      const status = node.status;
      if (status && typeof status === 'object' && status.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
    },
    validate(node, causes) {
      const seen = new Set<string>();
      arr(node.spec?.taints).forEach((t, i) => {
        const path = `spec.taints[${i}]`;
        if (!t.key) causes.required(`${path}.key`);
        else causes.check(`${path}.key`, t.key, isQualifiedName(t.key));
        if (t.value) causes.check(`${path}.value`, t.value, isQualifiedName(t.value));
        if (!t.effect) causes.required(`${path}.effect`);
        else if (!taintEffects.includes(t.effect)) causes.notSupported(`${path}.effect`, t.effect, taintEffects);
        const key = `${s(t.key)}:${s(t.effect)}`;
        if (seen.has(key)) causes.duplicate(path, { key: t.key, effect: t.effect });
        seen.add(key);
      });
      if (node.spec?.podCIDR && !/^[0-9a-fA-F:.]+\/[0-9]{1,3}$/.test(node.spec.podCIDR)) causes.invalid('spec.podCIDR', node.spec.podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
      for (const field of ['capacity', 'allocatable'] as const) {
        for (const [name, q] of Object.entries((node.status?.[field] ?? {}) as Record<string, unknown>)) {
          if (!isQuantity(q)) causes.invalid(`status.${field}[${name}]`, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        }
      }
    },
    fields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable === true) }),
    printer: {
      columns: [
        column('Status', 'string', 'The status of the node'),
        column('Roles', 'string', 'The roles of the node'),
        ageColumn,
        column('Version', 'string', 'Kubelet Version reported by the node.'),
        column('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
        column('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
        column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
        column('Kernel-Version', 'string', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', 1),
        column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
      ],
      cells(node, now) {
        const info = node.status?.nodeInfo ?? {};
        return [
          nodeStatus(node), nodeRoles(node), created(node, now), s(info.kubeletVersion),
          nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'),
          s(info.osImage) || '<unknown>', s(info.kernelVersion) || '<unknown>', s(info.containerRuntimeVersion) || '<unknown>',
        ];
      },
    },
  });
}

// ---------------------------------------------------------------- Event

const eventSource = named('EventSource', { component: str(), host: str() });
const coreEventSchema = topLevel(`${core}.Event`, {
  involvedObject: objectReference, reason: str(), message: str(), source: eventSource, firstTimestamp: time(), lastTimestamp: time(), count: int32(), type: str(),
  eventTime: str('date-time'), series: named('EventSeries', { count: int32(), lastObservedTime: str('date-time') }), action: str(), related: objectReference,
  reportingComponent: str(), reportingInstance: str(),
}, ['metadata', 'involvedObject']);

function eventSourceText(e: KubeObject): string {
  const component = s(e.source?.component);
  if (component) return e.source?.host ? `${component}, ${s(e.source.host)}` : component;
  const controller = s(e.reportingComponent);
  return e.reportingInstance ? `${controller}, ${s(e.reportingInstance)}` : controller;
}

export function eventStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }),
    schema: coreEventSchema,
    nameCheck: subdomainName,
    validate(e, causes) {
      const ns = e.metadata?.namespace;
      const involvedNs = e.involvedObject?.namespace;
      if (involvedNs && ns && involvedNs !== ns) causes.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace');
      if (e.type !== undefined && e.type !== '' && !['Normal', 'Warning'].includes(e.type) && e.reportingComponent) causes.notSupported('type', e.type, ['Normal', 'Warning']);
      if (typeof e.count === 'number' && e.count < 0) causes.invalid('count', e.count, 'must be greater than or equal to 0');
    },
    fields: (e) => ({
      'involvedObject.kind': s(e.involvedObject?.kind),
      'involvedObject.namespace': s(e.involvedObject?.namespace),
      'involvedObject.name': s(e.involvedObject?.name),
      'involvedObject.uid': s(e.involvedObject?.uid),
      'involvedObject.apiVersion': s(e.involvedObject?.apiVersion),
      'involvedObject.resourceVersion': s(e.involvedObject?.resourceVersion),
      'involvedObject.fieldPath': s(e.involvedObject?.fieldPath),
      reason: s(e.reason),
      reportingComponent: s(e.reportingComponent),
      source: s(e.source?.component) || s(e.reportingComponent),
      type: s(e.type),
    }),
    printer: { noName: true, columns: eventColumns, cells: eventCells },
  });
}

/** The columns of kubectl's event printer (no NAME first: events are listed by time). */
export const eventColumns = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
  column('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', 'The subobject of the involved object (fieldPath).', 1),
  column('Source', 'string', 'The component reporting this event.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded.', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  column('Name', 'string', 'Name of the event.', 1, 'name'),
];

/** The cells of a core/v1 Event; events.k8s.io/v1 Events are printed through it too. */
export function eventCells(e: KubeObject, now: Date): unknown[] {
  const first = e.firstTimestamp ? age(e.firstTimestamp, now) : age(e.eventTime, now);
  let last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
  let count = typeof e.count === 'number' ? e.count : 0;
  if (e.series) {
    last = age(e.series.lastObservedTime, now);
    count = typeof e.series.count === 'number' ? e.series.count : count;
  } else if (count === 0) count = 1;
  const kind = s(e.involvedObject?.kind).toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${s(e.involvedObject.name)}` : kind;
  return [last, s(e.type), s(e.reason), target, s(e.involvedObject?.fieldPath), eventSourceText(e), s(e.message).trim(), first, count, s(e.metadata?.name)];
}

// ---------------------------------------------------------------- ServiceAccount

export function serviceAccountStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] }),
    schema: topLevel(`${core}.ServiceAccount`, {
      secrets: keyedList(objectReference, 'name'),
      imagePullSecrets: list(named('LocalObjectReference', { name: str() })),
      automountServiceAccountToken: bool(),
    }),
    nameCheck: subdomainName,
    validate(sa, causes) {
      arr(sa.secrets).forEach((ref, i) => {
        if (ref.name) causes.check(`secrets[${i}].name`, ref.name, isDNS1123Subdomain(ref.name));
      });
    },
    printer: {
      columns: [column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn],
      cells: (sa, now) => [arr(sa.secrets).length, created(sa, now)],
    },
  });
}

// ---------------------------------------------------------------- PersistentVolumeClaim

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const accessModeShort: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

const pvcSchema = topLevel(`${core}.PersistentVolumeClaim`, {
  spec: pvcSpecSchema,
  status: named('PersistentVolumeClaimStatus', {
    phase: str(), accessModes: list(str()), capacity: mapOf(quantity()),
    conditions: keyedList(named('PersistentVolumeClaimCondition', { type: str(), status: str(), lastProbeTime: time(), lastTransitionTime: time(), reason: str(), message: str() }, ['type', 'status']), 'type'),
    allocatedResources: mapOf(quantity()), allocatedResourceStatuses: strMap(), currentVolumeAttributesClassName: str(), modifyVolumeStatus: anyValue(),
  }),
});

/** Validates a PVC spec at `path` (also used for StatefulSet volumeClaimTemplates). */
export function validatePVCSpec(spec: KubeObject | undefined, path: string, causes: Causes): void {
  if (!spec || typeof spec !== 'object') return void causes.required(path);
  const modes: unknown[] = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0) causes.required(`${path}.accessModes`, 'at least 1 access mode is required');
  modes.forEach((m) => {
    if (!accessModes.includes(String(m))) causes.notSupported(`${path}.accessModes`, m, accessModes);
  });
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) causes.forbidden(`${path}.accessModes`, 'may not use ReadWriteOncePod with other access modes');
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) causes.required(`${path}.resources[storage]`);
  else if (!isQuantity(storage)) causes.invalid(`${path}.resources.requests[storage]`, storage, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  if (spec.volumeMode !== undefined && !['Block', 'Filesystem'].includes(spec.volumeMode)) causes.notSupported(`${path}.volumeMode`, spec.volumeMode, ['Block', 'Filesystem']);
  if (spec.storageClassName) causes.check(`${path}.storageClassName`, spec.storageClassName, isDNS1123Subdomain(spec.storageClassName));
  if (spec.selector) labelSelectorCheck(spec.selector, `${path}.selector`, causes);
}

function labelSelectorCheck(sel: KubeObject, path: string, causes: Causes): void {
  validateLabels(sel.matchLabels, `${path}.matchLabels`, causes);
  arr(sel.matchExpressions).forEach((e, i) => {
    const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
    if (!ops.includes(e.operator)) causes.notSupported(`${path}.matchExpressions[${i}].operator`, e.operator, ops);
    if ((e.operator === 'In' || e.operator === 'NotIn') && values(e.values).length === 0) causes.required(`${path}.matchExpressions[${i}].values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values(e.values).length > 0) causes.forbidden(`${path}.matchExpressions[${i}].values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
    if (e.key) causes.check(`${path}.matchExpressions[${i}].key`, e.key, isQualifiedName(e.key));
  });
}

export { labelSelectorCheck };

export function pvcStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: ['status'] }),
    schema: pvcSchema,
    nameCheck: subdomainName,
    default(pvc) {
      const spec = ensure(pvc, 'spec');
      spec.volumeMode ??= 'Filesystem';
      ensure(pvc, 'status').phase ??= 'Pending';
    },
    validate(pvc, causes, old) {
      validatePVCSpec(pvc.spec, 'spec', causes);
      if (old?.spec && pvc.spec) {
        const a = { ...pvc.spec, resources: undefined, volumeAttributesClassName: undefined, volumeName: old.spec.volumeName ? pvc.spec.volumeName : undefined };
        const b = { ...old.spec, resources: undefined, volumeAttributesClassName: undefined, volumeName: old.spec.volumeName ? old.spec.volumeName : undefined };
        if (!deepEqual(a, b)) causes.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
      }
    },
    // Kubernetes keeps a bare `name` field selector for claims, for compatibility.
    fields: (pvc) => ({ name: s(pvc.metadata?.name) }),
    printer: {
      columns: [
        column('Status', 'string', 'Phase represents the current phase of PersistentVolumeClaim.'),
        column('Volume', 'string', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
        column('Capacity', 'string', 'Capacity represents the actual resources of the underlying volume.'),
        column('Access Modes', 'string', 'AccessModes contains the desired access modes the volume should have.'),
        column('StorageClass', 'string', 'StorageClassName is the name of the StorageClass required by the claim.'),
        column('VolumeAttributesClass', 'string', 'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
        ageColumn,
        column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
      ],
      cells(pvc, now) {
        const spec = pvc.spec ?? {};
        const phase = s(pvc.status?.phase);
        const bound = spec.volumeName ? s(spec.volumeName) : '';
        const capacity = bound ? s(pvc.status?.capacity?.storage) : '';
        const modes = bound ? values(pvc.status?.accessModes).map((m) => accessModeShort[String(m)] ?? String(m)).join(',') : '';
        const storageClass = s(pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class']) || s(spec.storageClassName);
        return [pvc.metadata?.deletionTimestamp ? 'Terminating' : phase, bound, capacity, modes, storageClass, s(spec.volumeAttributesClassName) || '<unset>', created(pvc, now), s(spec.volumeMode) || '<unset>'];
      },
    },
  });
}

