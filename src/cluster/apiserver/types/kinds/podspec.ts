/** Defaulting and validation of PodSpec, shared by Pods and every pod template. */
import type { Causes } from '../causes.js';
import type { KubeObject } from '../index.js';
import { validateLabels } from '../meta.js';
import {
  isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isQuantity, isValidPortName, isValidPortNum, quantityValue,
} from '../names.js';
import { arr, ensure, isSet } from '../strategy.js';

const secretVolumeDefaultMode = 0o644;

/** Always for `:latest` or an untagged reference, else IfNotPresent (a digest counts as a tag). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: KubeObject | undefined): void {
  if (!p || typeof p !== 'object') return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultHandler(h: KubeObject | undefined): void {
  if (!h || typeof h !== 'object') return;
  if (h.httpGet && typeof h.httpGet === 'object') {
    h.httpGet.path ??= '/';
    h.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: KubeObject, hostNetwork: boolean): void {
  if (!c || typeof c !== 'object') return;
  if (typeof c.image === 'string' && c.image !== '') c.imagePullPolicy ??= defaultPullPolicy(c.image);
  // resources is a struct in Kubernetes' types, so it is always serialized, if only as {}.
  c.resources ??= {};
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const p of arr(c.ports)) {
    p.protocol ??= 'TCP';
    if (hostNetwork && p.hostPort === undefined && typeof p.containerPort === 'number') p.hostPort = p.containerPort;
  }
  for (const e of arr(c.env)) {
    if (e?.valueFrom?.fieldRef && typeof e.valueFrom.fieldRef === 'object') e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  // Requests default to limits for every resource with a limit but no request.
  const limits = c.resources?.limits;
  if (limits && typeof limits === 'object' && Object.keys(limits).length > 0) {
    const requests = ensure(c.resources, 'requests');
    for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  }
}

const volumeSources = [
  'hostPath', 'emptyDir', 'secret', 'configMap', 'persistentVolumeClaim', 'downwardAPI', 'projected', 'nfs', 'csi', 'ephemeral', 'image',
  'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'fc', 'flexVolume', 'flocker', 'gitRepo',
  'glusterfs', 'iscsi', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
];

function defaultVolume(v: KubeObject): void {
  if (!v || typeof v !== 'object') return;
  if (!volumeSources.some((k) => isSet(v[k]))) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= secretVolumeDefaultMode;
  if (v.configMap) v.configMap.defaultMode ??= secretVolumeDefaultMode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= secretVolumeDefaultMode;
    for (const item of arr(v.downwardAPI.items)) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.projected) {
    v.projected.defaultMode ??= secretVolumeDefaultMode;
    for (const src of arr(v.projected.sources)) {
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of arr(src.downwardAPI?.items)) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
    }
  }
  if (v.image) v.image.pullPolicy ??= defaultPullPolicy(String(v.image.reference ?? ''));
}

/** Kubernetes' defaults for a PodSpec (SetDefaults_PodSpec and the nested types). */
export function defaultPodSpec(spec: KubeObject): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) spec.dnsPolicy = spec.dnsPolicy ?? 'ClusterFirst';
  const hostNetwork = spec.hostNetwork === true;
  for (const c of arr(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const c of arr(spec.containers)) defaultContainer(c, hostNetwork);
  for (const c of arr(spec.ephemeralContainers)) defaultContainer(c, hostNetwork);
  for (const v of arr(spec.volumes)) defaultVolume(v);
  for (const t of arr(spec.tolerations)) if (t && t.operator === undefined && t.key !== undefined) t.operator = 'Equal';
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function validateQuantities(list: unknown, path: string, causes: Causes): void {
  if (!list || typeof list !== 'object') return;
  for (const [name, q] of Object.entries(list as Record<string, unknown>)) {
    if (!name.includes('/') && !['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods'].includes(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.') && !name.startsWith('limits.')) {
      causes.check(`${path}[${name}]`, name, isQualifiedName(name).length > 0 ? isQualifiedName(name) : ['must be a standard resource type or fully qualified']);
    }
    if (!isQuantity(q)) {
      causes.invalid(`${path}[${name}]`, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    } else if (quantityValue(q) < 0) {
      causes.invalid(`${path}[${name}]`, q, 'must be greater than or equal to 0');
    }
  }
}

function validateResources(r: KubeObject | undefined, path: string, causes: Causes): void {
  if (!r || typeof r !== 'object') return;
  validateQuantities(r.limits, `${path}.limits`, causes);
  validateQuantities(r.requests, `${path}.requests`, causes);
  const limits = (r.limits ?? {}) as Record<string, unknown>;
  const requests = (r.requests ?? {}) as Record<string, unknown>;
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined || !isQuantity(lim) || !isQuantity(req)) continue;
    if (quantityValue(req) > quantityValue(lim)) causes.invalid(`${path}.requests`, String(req), `must be less than or equal to ${name} limit of ${String(lim)}`);
  }
}

function handlerCount(h: KubeObject): number {
  return ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'].filter((k) => isSet(h[k])).length;
}

function validateHandler(h: KubeObject, path: string, causes: Causes, allowed: string[]): void {
  const count = handlerCount(h);
  if (count === 0) causes.required(path, 'must specify a handler type');
  else if (count > 1) causes.forbidden(path, 'may not specify more than 1 handler type');
  for (const k of ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']) {
    if (isSet(h[k]) && !allowed.includes(k)) causes.forbidden(`${path}.${k}`, 'may not be specified for this handler');
  }
  if (h.exec && (!Array.isArray(h.exec.command) || h.exec.command.length === 0)) causes.required(`${path}.exec.command`);
  for (const k of ['httpGet', 'tcpSocket'] as const) {
    const port = h[k]?.port;
    if (!h[k]) continue;
    if (port === undefined) causes.required(`${path}.${k}.port`);
    else if (typeof port === 'number') causes.check(`${path}.${k}.port`, port, isValidPortNum(port));
    else causes.check(`${path}.${k}.port`, port, isValidPortName(String(port)));
  }
  if (h.httpGet?.scheme !== undefined && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) causes.notSupported(`${path}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']);
  if (h.grpc) causes.check(`${path}.grpc.port`, h.grpc.port, isValidPortNum(Number(h.grpc.port)));
}

function validateProbe(p: KubeObject | undefined, path: string, causes: Causes, mustSucceedOnce: boolean): void {
  if (!p || typeof p !== 'object') return;
  validateHandler(p, path, causes, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    if (typeof p[f] === 'number' && p[f] < 0) causes.invalid(`${path}.${f}`, p[f], 'must be greater than or equal to 0');
  }
  if (mustSucceedOnce && typeof p.successThreshold === 'number' && p.successThreshold !== 1) causes.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1');
  if (typeof p.terminationGracePeriodSeconds === 'number' && p.terminationGracePeriodSeconds <= 0) {
    causes.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0');
  }
}

function validateEnv(env: unknown, path: string, causes: Causes): void {
  arr(env).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e?.name) causes.required(`${p}.name`);
    else causes.check(`${p}.name`, e.name, isEnvVarName(e.name));
    const from = e?.valueFrom;
    if (!from) return;
    const kinds = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => isSet(from[k]));
    if (kinds.length === 0) causes.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
    else if (kinds.length > 1) causes.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time');
    if (isSet(e.value) && e.value !== '' && kinds.length > 0) causes.invalid(`${p}.valueFrom`, '', "may not be specified when `value` is not empty");
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      if (!from[k]) continue;
      if (!from[k].key) causes.required(`${p}.valueFrom.${k}.key`);
      else causes.check(`${p}.valueFrom.${k}.key`, from[k].key, isConfigMapKey(from[k].key));
      if (!from[k].name) causes.required(`${p}.valueFrom.${k}.name`);
    }
    if (from.fieldRef && !from.fieldRef.fieldPath) causes.required(`${p}.valueFrom.fieldRef.fieldPath`);
  });
}

function validateContainers(list: KubeObject[], path: string, volumes: Set<string>, seen: Set<string>, causes: Causes, kind: 'regular' | 'init' | 'ephemeral'): void {
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== 'object') return void causes.required(p);
    if (!c.name) causes.required(`${p}.name`);
    else {
      causes.check(`${p}.name`, c.name, isDNS1123Label(c.name));
      if (seen.has(c.name)) causes.duplicate(`${p}.name`, c.name);
      seen.add(c.name);
    }
    if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) causes.required(`${p}.image`);
    else if (c.image !== c.image.trim()) causes.invalid(`${p}.image`, c.image, 'must not have leading or trailing whitespace');
    if (c.imagePullPolicy !== undefined && !pullPolicies.includes(c.imagePullPolicy)) causes.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, pullPolicies);
    if (c.terminationMessagePolicy !== undefined && !terminationMessagePolicies.includes(c.terminationMessagePolicy)) {
      causes.notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies);
    }
    if (c.restartPolicy !== undefined) {
      if (kind !== 'init') causes.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers');
      else if (c.restartPolicy !== 'Always') causes.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']);
    }
    const portNames = new Set<string>();
    arr(c.ports).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (port.containerPort === undefined) causes.required(`${pp}.containerPort`);
      else causes.check(`${pp}.containerPort`, port.containerPort, isValidPortNum(port.containerPort));
      if (port.hostPort !== undefined && port.hostPort !== 0) causes.check(`${pp}.hostPort`, port.hostPort, isValidPortNum(port.hostPort));
      if (port.protocol !== undefined && !protocols.includes(port.protocol)) causes.notSupported(`${pp}.protocol`, port.protocol, protocols);
      if (port.name !== undefined && port.name !== '') {
        causes.check(`${pp}.name`, port.name, isValidPortName(port.name));
        if (portNames.has(port.name)) causes.duplicate(`${pp}.name`, port.name);
        portNames.add(port.name);
      }
    });
    if (kind === 'ephemeral' && isSet(c.ports)) causes.forbidden(`${p}.ports`, 'cannot be set for an Ephemeral Container');
    validateEnv(c.env, `${p}.env`, causes);
    validateResources(c.resources, `${p}.resources`, causes);
    const mountPaths = new Set<string>();
    arr(c.volumeMounts).forEach((m, j) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (!m.name) causes.required(`${mp}.name`);
      else if (!volumes.has(m.name)) causes.notFound(`${mp}.name`, m.name);
      if (!m.mountPath) causes.required(`${mp}.mountPath`);
      else {
        if (mountPaths.has(m.mountPath)) causes.invalid(`${mp}.mountPath`, m.mountPath, 'must be unique');
        mountPaths.add(m.mountPath);
      }
      if (typeof m.subPath === 'string' && (m.subPath.startsWith('/') || m.subPath.split('/').includes('..'))) {
        causes.invalid(`${mp}.subPath`, m.subPath, m.subPath.startsWith('/') ? 'must be a relative path' : "must not contain '..'");
      }
      const propagation = ['None', 'HostToContainer', 'Bidirectional'];
      if (m.mountPropagation !== undefined && !propagation.includes(m.mountPropagation)) causes.notSupported(`${mp}.mountPropagation`, m.mountPropagation, propagation);
    });
    arr(c.volumeDevices).forEach((d, j) => {
      if (!d.name) causes.required(`${p}.volumeDevices[${j}].name`);
      else if (!volumes.has(d.name)) causes.notFound(`${p}.volumeDevices[${j}].name`, d.name);
      if (!d.devicePath) causes.required(`${p}.volumeDevices[${j}].devicePath`);
    });
    if (kind === 'regular' || (kind === 'init' && c.restartPolicy === 'Always')) {
      validateProbe(c.livenessProbe, `${p}.livenessProbe`, causes, true);
      validateProbe(c.readinessProbe, `${p}.readinessProbe`, causes, false);
      validateProbe(c.startupProbe, `${p}.startupProbe`, causes, true);
    } else {
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
        if (isSet(c[probe])) causes.forbidden(`${p}.${probe}`, `may not be set for ${kind === 'init' ? 'init' : 'ephemeral'} containers`);
      }
    }
    for (const hook of ['postStart', 'preStop'] as const) {
      const h = c.lifecycle?.[hook];
      if (h && (kind === 'regular' || c.restartPolicy === 'Always')) validateHandler(h, `${p}.lifecycle.${hook}`, causes, ['exec', 'httpGet', 'tcpSocket', 'sleep']);
    }
    const caps = c.securityContext?.capabilities;
    if (c.securityContext?.privileged === true && c.securityContext?.allowPrivilegeEscalation === false) {
      causes.invalid(`${p}.securityContext`, 'false', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
    }
    if (caps?.add && Array.isArray(caps.add) && c.securityContext?.allowPrivilegeEscalation === false && caps.add.includes('CAP_SYS_ADMIN')) {
      causes.invalid(`${p}.securityContext`, 'false', 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN');
    }
  });
}

function validateVolumes(volumes: unknown, path: string, causes: Causes): Set<string> {
  const names = new Set<string>();
  arr(volumes).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v || typeof v !== 'object') return;
    if (!v.name) causes.required(`${p}.name`);
    else {
      causes.check(`${p}.name`, v.name, isDNS1123Label(v.name));
      if (names.has(v.name)) causes.duplicate(`${p}.name`, v.name);
      names.add(v.name);
    }
    const sources = volumeSources.filter((k) => isSet(v[k]));
    if (sources.length === 0) causes.required(p, 'must specify a volume type');
    else if (sources.length > 1) {
      for (const extra of sources.slice(1)) causes.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type');
    }
    if (v.hostPath) {
      if (!v.hostPath.path) causes.required(`${p}.hostPath.path`);
      const types = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
      if (v.hostPath.type !== undefined && !types.includes(v.hostPath.type)) causes.notSupported(`${p}.hostPath.type`, v.hostPath.type, types);
    }
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) causes.required(`${p}.persistentVolumeClaim.claimName`);
    if (v.secret?.secretName !== undefined) causes.check(`${p}.secret.secretName`, v.secret.secretName, isDNS1123Subdomain(v.secret.secretName));
    if (v.configMap && !v.configMap.name) causes.required(`${p}.configMap.name`);
    for (const src of ['secret', 'configMap', 'downwardAPI', 'projected'] as const) {
      const mode = v[src]?.defaultMode;
      if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) causes.invalid(`${p}.${src}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive');
    }
    if (v.emptyDir?.medium !== undefined && !['', 'Memory', 'HugePages'].includes(v.emptyDir.medium) && !String(v.emptyDir.medium).startsWith('HugePages-')) {
      causes.notSupported(`${p}.emptyDir.medium`, v.emptyDir.medium, ['', 'Memory', 'HugePages']);
    }
  });
  return names;
}

function validateTolerations(list: unknown, path: string, causes: Causes): void {
  arr(list).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) causes.check(`${p}.key`, t.key, isQualifiedName(t.key));
    const op = t.operator ?? 'Equal';
    if (!t.key && op !== 'Exists') causes.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
    if (op === 'Exists' && t.value) causes.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'");
    if (op !== 'Equal' && op !== 'Exists') causes.notSupported(`${p}.operator`, op, ['Equal', 'Exists']);
    if (t.effect !== undefined && t.effect !== '' && !taintEffects.includes(t.effect)) causes.notSupported(`${p}.effect`, t.effect, taintEffects);
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      causes.invalid(`${p}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set');
    }
  });
}

/** Validates a PodSpec at `path` ('spec' for Pods, 'spec.template.spec' for templates). */
export function validatePodSpec(spec: KubeObject | undefined, path: string, causes: Causes, opts: { template?: boolean } = {}): void {
  if (!spec || typeof spec !== 'object') return void causes.required(path);
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, causes);
  const containers = arr(spec.containers);
  if (containers.length === 0) causes.required(`${path}.containers`);
  const names = new Set<string>();
  validateContainers(containers, `${path}.containers`, volumes, names, causes, 'regular');
  validateContainers(arr(spec.initContainers), `${path}.initContainers`, volumes, names, causes, 'init');
  if (!opts.template) validateContainers(arr(spec.ephemeralContainers), `${path}.ephemeralContainers`, volumes, names, causes, 'ephemeral');
  else if (arr(spec.ephemeralContainers).length > 0) causes.forbidden(`${path}.ephemeralContainers`, 'ephemeral containers not allowed in pod template');
  if (spec.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy)) causes.notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies);
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy)) causes.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies);
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) causes.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None');
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    causes.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0');
  }
  if (spec.activeDeadlineSeconds !== undefined && (typeof spec.activeDeadlineSeconds !== 'number' || spec.activeDeadlineSeconds < 1)) {
    causes.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive');
  }
  if (spec.nodeSelector) validateLabels(spec.nodeSelector, `${path}.nodeSelector`, causes);
  if (spec.serviceAccountName) causes.check(`${path}.serviceAccountName`, spec.serviceAccountName, isDNS1123Subdomain(spec.serviceAccountName));
  if (spec.nodeName && !opts.template) causes.check(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName));
  if (spec.hostname) causes.check(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname));
  if (spec.subdomain) causes.check(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain));
  if (spec.priorityClassName) causes.check(`${path}.priorityClassName`, spec.priorityClassName, isDNS1123Subdomain(spec.priorityClassName));
  validateTolerations(spec.tolerations, `${path}.tolerations`, causes);
  arr(spec.imagePullSecrets).forEach((s, i) => {
    if (!s?.name) causes.required(`${path}.imagePullSecrets[${i}].name`);
  });
  // One host port and protocol may be claimed once per pod.
  const hostPorts = new Set<string>();
  for (const key of ['initContainers', 'containers'] as const) {
    arr(spec[key]).forEach((c, i) => {
      arr(c.ports).forEach((port, j) => {
        if (typeof port.hostPort !== 'number' || port.hostPort === 0) return;
        const id = `${port.hostPort}/${port.protocol ?? 'TCP'}`;
        if (hostPorts.has(id)) causes.duplicate(`${path}.${key}[${i}].ports[${j}].hostPort`, id);
        hostPorts.add(id);
      });
    });
  }
  if (spec.hostNetwork === true) {
    for (const [i, c] of containers.entries()) {
      arr(c?.ports).forEach((port, j) => {
        if (port.hostPort !== undefined && port.hostPort !== port.containerPort) {
          causes.invalid(`${path}.containers[${i}].ports[${j}].containerPort`, port.containerPort, 'must match `hostPort` when `hostNetwork` is true');
        }
      });
    }
  }
  const sc = spec.securityContext;
  if (sc && typeof sc === 'object') {
    for (const f of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
      if (typeof sc[f] === 'number' && (sc[f] < 0 || sc[f] > 2147483647)) causes.invalid(`${path}.securityContext.${f}`, sc[f], 'must be between 0 and 2147483647, inclusive');
    }
  }
  if (spec.os?.name !== undefined && !['linux', 'windows'].includes(spec.os.name)) causes.notSupported(`${path}.os.name`, spec.os.name, ['linux', 'windows']);
}
