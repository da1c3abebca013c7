/**
 * The smaller groups: autoscaling/v2 HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget,
 * networking.k8s.io/v1 Ingress, coordination.k8s.io/v1 Lease, discovery.k8s.io/v1
 * EndpointSlice and events.k8s.io/v1 Event.
 */
import { intOrPercent, type Causes } from '../causes.js';
import type { KubeObject, Strategy } from '../index.js';
import { conditionSchema, labelSelectorSchema, subdomainName, topLevel } from '../meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isIPv6, isPathSegmentName, isQualifiedName, isQuantity, isValidPortName, isValidPortNum } from '../names.js';
import { anyValue, bool, int32, int64, intOrString, keyedList, list, obj, quantity, type Schema, str, strMap, time } from '../schema.js';
import { ageColumn, arr, column, created, ensure, makeStrategy, resourceType, s, values } from '../strategy.js';
import { eventCells, eventColumns, labelSelectorCheck } from './core.js';

const named = (prefix: string) => (name: string, fields: Record<string, Schema>, required?: string[]): Schema =>
  obj(fields, required ? { name: `${prefix}.${name}`, required } : { name: `${prefix}.${name}` });

// ---------------------------------------------------------------- HorizontalPodAutoscaler

const hpaNamed = named('io.k8s.api.autoscaling.v2');
const metricTarget = hpaNamed('MetricTarget', { type: str(), value: quantity(), averageValue: quantity(), averageUtilization: int32() }, ['type']);
const metricValueStatus = hpaNamed('MetricValueStatus', { value: quantity(), averageValue: quantity(), averageUtilization: int32() });
const metricIdentifier = hpaNamed('MetricIdentifier', { name: str(), selector: labelSelectorSchema }, ['name']);
const crossVersionRef = hpaNamed('CrossVersionObjectReference', { kind: str(), name: str(), apiVersion: str() }, ['kind', 'name']);
const metricSpec = hpaNamed('MetricSpec', {
  type: str(),
  object: hpaNamed('ObjectMetricSource', { describedObject: crossVersionRef, target: metricTarget, metric: metricIdentifier }),
  pods: hpaNamed('PodsMetricSource', { metric: metricIdentifier, target: metricTarget }),
  resource: hpaNamed('ResourceMetricSource', { name: str(), target: metricTarget }, ['name', 'target']),
  containerResource: hpaNamed('ContainerResourceMetricSource', { name: str(), target: metricTarget, container: str() }),
  external: hpaNamed('ExternalMetricSource', { metric: metricIdentifier, target: metricTarget }),
}, ['type']);
const metricStatus = hpaNamed('MetricStatus', {
  type: str(),
  object: hpaNamed('ObjectMetricStatus', { metric: metricIdentifier, current: metricValueStatus, describedObject: crossVersionRef }),
  pods: hpaNamed('PodsMetricStatus', { metric: metricIdentifier, current: metricValueStatus }),
  resource: hpaNamed('ResourceMetricStatus', { name: str(), current: metricValueStatus }),
  containerResource: hpaNamed('ContainerResourceMetricStatus', { name: str(), current: metricValueStatus, container: str() }),
  external: hpaNamed('ExternalMetricStatus', { metric: metricIdentifier, current: metricValueStatus }),
}, ['type']);
const scalingRules = hpaNamed('HPAScalingRules', {
  stabilizationWindowSeconds: int32(), selectPolicy: str(),
  policies: list(hpaNamed('HPAScalingPolicy', { type: str(), value: int32(), periodSeconds: int32() }, ['type', 'value', 'periodSeconds'])),
  tolerance: quantity(),
});

const hpaSchema = topLevel('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', {
  spec: hpaNamed('HorizontalPodAutoscalerSpec', {
    scaleTargetRef: crossVersionRef, minReplicas: int32(), maxReplicas: int32(), metrics: list(metricSpec),
    behavior: hpaNamed('HorizontalPodAutoscalerBehavior', { scaleUp: scalingRules, scaleDown: scalingRules }),
  }, ['scaleTargetRef', 'maxReplicas']),
  status: hpaNamed('HorizontalPodAutoscalerStatus', {
    observedGeneration: int64(), lastScaleTime: time(), currentReplicas: int32(), desiredReplicas: int32(), currentMetrics: list(metricStatus),
    conditions: keyedList(hpaNamed('HorizontalPodAutoscalerCondition', { type: str(), status: str(), lastTransitionTime: time(), reason: str(), message: str() }, ['type', 'status']), 'type'),
  }),
});

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function defaultHPA(hpa: KubeObject): void {
  const spec = ensure(hpa, 'spec');
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = spec.behavior;
  if (behavior && typeof behavior === 'object') {
    const up = ensure(behavior, 'scaleUp');
    up.stabilizationWindowSeconds ??= 0;
    up.selectPolicy ??= 'Max';
    up.policies ??= [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
    const down = ensure(behavior, 'scaleDown');
    down.selectPolicy ??= 'Max';
    down.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
}

function validateHPA(hpa: KubeObject, causes: Causes): void {
  const spec = hpa.spec;
  if (!spec || typeof spec !== 'object') return void causes.required('spec');
  const ref = spec.scaleTargetRef;
  if (!ref) causes.required('spec.scaleTargetRef');
  else {
    if (!ref.kind) causes.required('spec.scaleTargetRef.kind');
    else causes.check('spec.scaleTargetRef.kind', ref.kind, isPathSegmentName(ref.kind));
    if (!ref.name) causes.required('spec.scaleTargetRef.name');
    else causes.check('spec.scaleTargetRef.name', ref.name, isPathSegmentName(ref.name));
  }
  if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) causes.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1');
  if (spec.maxReplicas === undefined) causes.required('spec.maxReplicas');
  else if (spec.maxReplicas < 1) causes.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0');
  else if (typeof spec.minReplicas === 'number' && spec.maxReplicas < spec.minReplicas) causes.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`');
  arr(spec.metrics).forEach((m, i) => {
    const path = `spec.metrics[${i}]`;
    if (!m.type) return void causes.required(`${path}.type`, `must specify a metric source type (must be one of "ContainerResource", "External", "Object", "Pods", or "Resource")`);
    if (!metricTypes.includes(m.type)) return void causes.notSupported(`${path}.type`, m.type, metricTypes);
    const key = m.type.charAt(0).toLowerCase() + m.type.slice(1);
    const source = m[key];
    if (!source) return void causes.required(`${path}.${key}`, `must populate information for the given metric source (${m.type})`);
    const target = source.target;
    if (!target) return void causes.required(`${path}.${key}.target`);
    const types = ['AverageValue', 'Utilization', 'Value'];
    if (!types.includes(target.type)) causes.notSupported(`${path}.${key}.target.type`, target.type, types);
    if (typeof target.averageUtilization === 'number' && target.averageUtilization < 1) {
      causes.invalid(`${path}.${key}.target.averageUtilization`, target.averageUtilization, 'must be greater than 0');
    }
    for (const q of ['value', 'averageValue'] as const) if (target[q] !== undefined && !isQuantity(target[q])) causes.invalid(`${path}.${key}.target.${q}`, target[q], 'must be a quantity');
  });
}

function hpaTarget(spec: KubeObject, current: KubeObject | undefined): string {
  const find = (kind: string, name: string): KubeObject | undefined => current ? arr(current).find((c) => c.type === kind && c[kind.charAt(0).toLowerCase() + kind.slice(1)]?.name === name) : undefined;
  const parts: string[] = [];
  for (const m of arr(spec.metrics)) {
    const key = String(m.type ?? '').charAt(0).toLowerCase() + String(m.type ?? '').slice(1);
    const src = m[key] ?? {};
    const target = src.target ?? {};
    const name = s(src.name ?? src.metric?.name);
    const cur = find(String(m.type), name)?.[key]?.current ?? (current ? arr(current).find((c) => c.type === m.type)?.[key]?.current : undefined);
    const label = m.type === 'ContainerResource' ? `${name} of container "${s(src.container)}"` : name;
    let text: string;
    if (target.type === 'Utilization') text = `${cur?.averageUtilization !== undefined ? `${s(cur.averageUtilization)}%` : '<unknown>'}/${s(target.averageUtilization)}%`;
    else if (target.type === 'AverageValue') text = `${cur?.averageValue !== undefined ? s(cur.averageValue) : '<unknown>'}/${s(target.averageValue)}`;
    else text = `${cur?.value !== undefined ? s(cur.value) : '<unknown>'}/${s(target.value)}`;
    parts.push(`${label}: ${text}`);
  }
  if (parts.length === 0) return '<none>';
  return parts.length > 2 ? `${parts.slice(0, 2).join(', ')} + ${parts.length - 2} more...` : parts.join(', ');
}

export function hpaStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({
      group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', singular: 'horizontalpodautoscaler', plural: 'horizontalpodautoscalers', namespaced: true,
      shortNames: ['hpa'], categories: ['all'], subresources: ['status'],
    }),
    schema: hpaSchema,
    nameCheck: isPathSegmentName,
    default: defaultHPA,
    validate: validateHPA,
    printer: {
      columns: [
        column('Reference', 'string', 'Reference is the target of the autoscaler.'),
        column('Targets', 'string', 'Targets are the metrics the autoscaler compares with their current values.'),
        column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
        column('MaxPods', 'integer', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
        column('Replicas', 'integer', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
        ageColumn,
      ],
      cells: (hpa, now) => [
        `${s(hpa.spec?.scaleTargetRef?.kind)}/${s(hpa.spec?.scaleTargetRef?.name)}`,
        hpaTarget(hpa.spec ?? {}, hpa.status?.currentMetrics),
        hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
        Number(hpa.spec?.maxReplicas ?? 0),
        Number(hpa.status?.currentReplicas ?? 0),
        created(hpa, now),
      ],
    },
  });
}

// ---------------------------------------------------------------- PodDisruptionBudget

const pdbSchema = topLevel('io.k8s.api.policy.v1.PodDisruptionBudget', {
  spec: obj({ minAvailable: intOrString(), selector: labelSelectorSchema, maxUnavailable: intOrString(), unhealthyPodEvictionPolicy: str() }, { name: 'io.k8s.api.policy.v1.PodDisruptionBudgetSpec' }),
  status: obj({
    observedGeneration: int64(), disruptedPods: { type: 'map', values: time() }, disruptionsAllowed: int32(), currentHealthy: int32(), desiredHealthy: int32(),
    expectedPods: int32(), conditions: keyedList(conditionSchema, 'type'),
  }, { name: 'io.k8s.api.policy.v1.PodDisruptionBudgetStatus', required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] }),
});

export function pdbStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: ['status'], usesGeneration: true }),
    schema: pdbSchema,
    nameCheck: subdomainName,
    validate(pdb, causes) {
      const spec = pdb.spec ?? {};
      if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) causes.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
      intOrPercent(spec.minAvailable, 'spec.minAvailable', causes);
      intOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', causes);
      if (spec.selector) labelSelectorCheck(spec.selector, 'spec.selector', causes);
      const policies = ['AlwaysAllow', 'IfHealthyBudget'];
      if (spec.unhealthyPodEvictionPolicy !== undefined && !policies.includes(spec.unhealthyPodEvictionPolicy)) causes.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, policies);
    },
    printer: {
      columns: [
        column('Min Available', 'string', 'The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. "28%".'),
        column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. "28%".'),
        column('Allowed Disruptions', 'integer', 'Number of pod disruptions that are currently allowed.'),
        ageColumn,
      ],
      cells: (pdb, now) => [
        pdb.spec?.minAvailable !== undefined ? String(pdb.spec.minAvailable) : 'N/A',
        pdb.spec?.maxUnavailable !== undefined ? String(pdb.spec.maxUnavailable) : 'N/A',
        Number(pdb.status?.disruptionsAllowed ?? 0),
        created(pdb, now),
      ],
    },
  });
}

// ---------------------------------------------------------------- Ingress

const netNamed = named('io.k8s.api.networking.v1');
const ingressBackend = netNamed('IngressBackend', {
  service: netNamed('IngressServiceBackend', { name: str(), port: netNamed('ServiceBackendPort', { name: str(), number: int32() }) }, ['name']),
  resource: obj({ apiGroup: str(), kind: str(), name: str() }, { name: 'io.k8s.api.core.v1.TypedLocalObjectReference', required: ['kind', 'name'] }),
});
const loadBalancerIngress = (name: string): Schema => netNamed(name, {
  ingress: list(netNamed(`${name}Ingress`, { ip: str(), hostname: str(), ports: list(netNamed('IngressPortStatus', { port: int32(), protocol: str(), error: str() })) })),
});

const ingressSchema = topLevel('io.k8s.api.networking.v1.Ingress', {
  spec: netNamed('IngressSpec', {
    ingressClassName: str(),
    defaultBackend: ingressBackend,
    tls: list(netNamed('IngressTLS', { hosts: list(str()), secretName: str() })),
    rules: list(netNamed('IngressRule', {
      host: str(),
      http: netNamed('HTTPIngressRuleValue', { paths: list(netNamed('HTTPIngressPath', { path: str(), pathType: str(), backend: ingressBackend }, ['pathType', 'backend'])) }, ['paths']),
    })),
  }),
  status: netNamed('IngressStatus', { loadBalancer: loadBalancerIngress('IngressLoadBalancer') }),
});

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: KubeObject, path: string, causes: Causes): void {
  const hasService = !!b.service;
  const hasResource = !!b.resource;
  if (hasService && hasResource) causes.invalid(path, '', 'cannot set both resource and service backends');
  else if (!hasService && !hasResource) causes.invalid(path, '', 'resource or service backend is required');
  if (hasService) {
    if (!b.service.name) causes.required(`${path}.service.name`);
    else causes.check(`${path}.service.name`, b.service.name, isDNS1123Label(b.service.name));
    const port = b.service.port ?? {};
    const hasName = port.name !== undefined && port.name !== '';
    const hasNumber = port.number !== undefined && port.number !== 0;
    if (hasName && hasNumber) causes.invalid(`${path}.service.port`, port, 'cannot set both port name & port number');
    else if (hasName) causes.check(`${path}.service.port.name`, port.name, isValidPortName(port.name));
    else if (hasNumber) causes.check(`${path}.service.port.number`, port.number, isValidPortNum(port.number));
    else causes.invalid(`${path}.service.port`, port, 'port name or number is required');
  }
  if (hasResource && !b.resource.kind) causes.required(`${path}.resource.kind`);
}

function validateIngress(ing: KubeObject, causes: Causes): void {
  const spec = ing.spec ?? {};
  const rules = arr(spec.rules);
  if (rules.length === 0 && !spec.defaultBackend) causes.invalid('spec', '', 'either `defaultBackend` or `rules` must be specified');
  if (spec.defaultBackend) validateBackend(spec.defaultBackend, 'spec.defaultBackend', causes);
  if (spec.ingressClassName) causes.check('spec.ingressClassName', spec.ingressClassName, isDNS1123Subdomain(spec.ingressClassName));
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    if (rule.host) {
      const host = String(rule.host);
      if (isIP(host)) causes.invalid(`${path}.host`, host, 'must be a DNS name, not an IP address');
      else causes.check(`${path}.host`, host, isDNS1123Subdomain(host.startsWith('*.') ? host.slice(2) : host));
    }
    if (!rule.http) return;
    const paths = arr(rule.http.paths);
    if (paths.length === 0) causes.required(`${path}.http.paths`);
    paths.forEach((p, j) => {
      const pp = `${path}.http.paths[${j}]`;
      if (!p.pathType) causes.required(`${pp}.pathType`, 'pathType must be specified');
      else if (!pathTypes.includes(p.pathType)) causes.notSupported(`${pp}.pathType`, p.pathType, pathTypes);
      if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !String(p.path ?? '').startsWith('/')) causes.invalid(`${pp}.path`, p.path ?? '', 'must be an absolute path');
      if (!p.backend) causes.required(`${pp}.backend`);
      else validateBackend(p.backend, `${pp}.backend`, causes);
    });
  });
  arr(spec.tls).forEach((tls, i) => {
    values(tls.hosts).forEach((h, j) => {
      const host = String(h);
      causes.check(`spec.tls[${i}].hosts[${j}]`, host, isDNS1123Subdomain(host.startsWith('*.') ? host.slice(2) : host));
    });
  });
}

function ingressHosts(ing: KubeObject): string {
  const hosts = arr(ing.spec?.rules).map((r) => s(r.host)).filter((h) => h !== '');
  if (hosts.length === 0) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
}

export function ingressStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: ['status'], usesGeneration: true }),
    schema: ingressSchema,
    nameCheck: subdomainName,
    validate: validateIngress,
    printer: {
      columns: [
        column('Class', 'string', 'ingressClassName is the name of an IngressClass cluster resource.'),
        column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
        column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
        column('Ports', 'string', 'Ports of TLS configurations that open'),
        ageColumn,
      ],
      cells(ing, now) {
        const addresses = arr(ing.status?.loadBalancer?.ingress).map((i) => s(i.ip) || s(i.hostname)).filter((a) => a !== '');
        return [s(ing.spec?.ingressClassName) || '<none>', ingressHosts(ing), addresses.join(','), arr(ing.spec?.tls).length > 0 ? '80, 443' : '80', created(ing, now)];
      },
    },
  });
}

// ---------------------------------------------------------------- Lease

const leaseSchema = topLevel('io.k8s.api.coordination.v1.Lease', {
  spec: obj({
    holderIdentity: str(), leaseDurationSeconds: int32(), acquireTime: str('date-time'), renewTime: str('date-time'), leaseTransitions: int32(),
    strategy: str(), preferredHolder: str(),
  }, { name: 'io.k8s.api.coordination.v1.LeaseSpec' }),
});

export function leaseStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }),
    schema: leaseSchema,
    nameCheck: subdomainName,
    validate(lease, causes) {
      const spec = lease.spec ?? {};
      if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) causes.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0');
      if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) causes.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0');
      for (const f of ['acquireTime', 'renewTime'] as const) {
        if (spec[f] !== undefined && Number.isNaN(Date.parse(spec[f]))) causes.invalid(`spec.${f}`, spec[f], 'must be an RFC 3339 time');
      }
    },
    printer: {
      columns: [column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn],
      cells: (lease, now) => [s(lease.spec?.holderIdentity), created(lease, now)],
    },
  });
}

// ---------------------------------------------------------------- EndpointSlice

const discNamed = named('io.k8s.api.discovery.v1');
const endpointSliceSchema = topLevel('io.k8s.api.discovery.v1.EndpointSlice', {
  addressType: str(),
  endpoints: list(discNamed('Endpoint', {
    addresses: { type: 'array', items: str(), listType: 'set' },
    conditions: discNamed('EndpointConditions', { ready: bool(), serving: bool(), terminating: bool() }),
    hostname: str(),
    targetRef: obj({ kind: str(), namespace: str(), name: str(), uid: str(), apiVersion: str(), resourceVersion: str(), fieldPath: str() }, { name: 'io.k8s.api.core.v1.ObjectReference' }),
    deprecatedTopology: strMap(),
    nodeName: str(),
    zone: str(),
    hints: discNamed('EndpointHints', { forZones: list(discNamed('ForZone', { name: str() }, ['name'])), forNodes: list(anyValue()) }),
  }, ['addresses'])),
  ports: list(discNamed('EndpointPort', { name: str(), protocol: str(), port: int32(), appProtocol: str() })),
}, ['addressType', 'endpoints']);

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export function endpointSliceStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }),
    schema: endpointSliceSchema,
    nameCheck: subdomainName,
    default(slice) {
      for (const p of arr(slice.ports)) {
        p.name ??= '';
        p.protocol ??= 'TCP';
      }
    },
    validate(slice, causes) {
      const type = slice.addressType;
      if (!type) causes.required('addressType');
      else if (!addressTypes.includes(type)) causes.notSupported('addressType', type, addressTypes);
      arr(slice.endpoints).forEach((ep, i) => {
        const addrs = Array.isArray(ep.addresses) ? (ep.addresses as unknown[]) : [];
        if (addrs.length === 0) causes.required(`endpoints[${i}].addresses`, 'must contain at least 1 address');
        else if (addrs.length > 100) causes.list.push({ field: `endpoints[${i}].addresses`, reason: 'FieldValueTooMany', message: 'Too many: must have at most 100 items' });
        addrs.forEach((a, j) => {
          const addr = String(a);
          const ok = type === 'IPv4' ? isIPv4(addr) : type === 'IPv6' ? isIPv6(addr) : isDNS1123Subdomain(addr).length === 0;
          if (!ok) causes.invalid(`endpoints[${i}].addresses[${j}]`, addr, type === 'FQDN' ? 'must be a valid DNS name' : `must be a valid ${type} address`);
        });
        if (ep.hostname) causes.check(`endpoints[${i}].hostname`, ep.hostname, isDNS1123Label(ep.hostname));
        if (ep.nodeName) causes.check(`endpoints[${i}].nodeName`, ep.nodeName, isDNS1123Subdomain(ep.nodeName));
      });
      const names = new Set<string>();
      arr(slice.ports).forEach((p, i) => {
        const name = s(p.name);
        if (name) causes.check(`ports[${i}].name`, name, isDNS1123Label(name));
        if (names.has(name)) causes.duplicate(`ports[${i}].name`, name);
        names.add(name);
        if (p.port !== undefined && p.port !== null) causes.check(`ports[${i}].port`, p.port, isValidPortNum(p.port));
        if (p.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(p.protocol)) causes.notSupported(`ports[${i}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']);
      });
    },
    printer: {
      columns: [
        column('AddressType', 'string', 'The IP protocol for this slice'),
        column('Ports', 'string', 'The ports associated with this slice'),
        column('Endpoints', 'string', 'The list of endpoints associated with this slice'),
        ageColumn,
      ],
      cells(slice, now) {
        const ports = arr(slice.ports);
        const portText = ports.length === 0 ? '<unset>' : ports.map((p) => (p.port === undefined || p.port === null ? '<unset>' : s(p.port))).join(',');
        const addrs = arr(slice.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
        let epText = addrs.length === 0 ? '<unset>' : addrs.slice(0, 3).join(',');
        if (addrs.length > 3) epText += ` + ${addrs.length - 3} more...`;
        return [s(slice.addressType), portText, epText, created(slice, now)];
      },
    },
  });
}

// ---------------------------------------------------------------- events.k8s.io/v1 Event

const eventsObjectRef = obj({ kind: str(), namespace: str(), name: str(), uid: str(), apiVersion: str(), resourceVersion: str(), fieldPath: str() }, { name: 'io.k8s.api.core.v1.ObjectReference' });
const eventsEventSchema = topLevel('io.k8s.api.events.v1.Event', {
  eventTime: str('date-time'),
  series: obj({ count: int32(), lastObservedTime: str('date-time') }, { name: 'io.k8s.api.events.v1.EventSeries', required: ['count', 'lastObservedTime'] }),
  reportingController: str(), reportingInstance: str(), action: str(), reason: str(), regarding: eventsObjectRef, related: eventsObjectRef, note: str(), type: str(),
  deprecatedSource: obj({ component: str(), host: str() }, { name: 'io.k8s.api.core.v1.EventSource' }),
  deprecatedFirstTimestamp: time(), deprecatedLastTimestamp: time(), deprecatedCount: int32(),
}, ['eventTime']);

/** An events.k8s.io/v1 Event in core/v1 terms, as the API server converts between the two. */
function asCoreEvent(e: KubeObject): KubeObject {
  const core: KubeObject = {
    metadata: e.metadata, involvedObject: e.regarding, reason: e.reason, message: e.note, type: e.type, eventTime: e.eventTime, series: e.series,
    reportingComponent: e.reportingController, reportingInstance: e.reportingInstance, source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp, lastTimestamp: e.deprecatedLastTimestamp, count: e.deprecatedCount,
  };
  return core;
}

export function eventsV1Strategy(): Strategy {
  return makeStrategy({
    type: resourceType({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }),
    schema: eventsEventSchema,
    nameCheck: subdomainName,
    validate(e, causes) {
      if (!e.eventTime) causes.required('eventTime');
      if (!e.reportingController) causes.required('reportingController');
      else causes.check('reportingController', e.reportingController, isQualifiedName(e.reportingController));
      if (!e.reportingInstance) causes.required('reportingInstance');
      if (!e.action) causes.required('action');
      if (!e.reason) causes.required('reason');
      if (!['Normal', 'Warning'].includes(e.type)) causes.notSupported('type', e.type ?? '', ['Normal', 'Warning']);
      if (typeof e.note === 'string' && e.note.length > 1024) causes.tooLong('note', 1024);
      const ns = e.metadata?.namespace;
      if (e.regarding?.namespace && ns && e.regarding.namespace !== ns) causes.invalid('regarding.namespace', e.regarding.namespace, 'does not match event.namespace');
    },
    fields: (e) => ({
      'regarding.kind': s(e.regarding?.kind), 'regarding.name': s(e.regarding?.name), 'regarding.namespace': s(e.regarding?.namespace),
      'regarding.uid': s(e.regarding?.uid), reason: s(e.reason), reportingController: s(e.reportingController), type: s(e.type),
    }),
    printer: { noName: true, columns: eventColumns, cells: (e, now) => eventCells(asCoreEvent(e), now) },
  });
}
