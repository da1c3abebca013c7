/** Schemas of core/v1 structures shared by several kinds (PodSpec, Container, Volume …). */
import { labelSelectorSchema, objectMetaSchema } from './meta.js';
import {
  anyValue, bool, int32, int64, intOrString, keyedList, list, mapOf, obj, quantity, type Schema, str, strMap, time,
} from './schema.js';

const core = 'io.k8s.api.core.v1';
const named = (name: string, fields: Record<string, Schema>, required?: string[]): Schema =>
  obj(fields, required ? { name: `${core}.${name}`, required } : { name: `${core}.${name}` });

const localRef = named('LocalObjectReference', { name: str() });
const keySelector = (name: string): Schema => named(name, { name: str(), key: str(), optional: bool() }, ['key']);
const objectFieldSelector = named('ObjectFieldSelector', { apiVersion: str(), fieldPath: str() }, ['fieldPath']);
const resourceFieldSelector = named('ResourceFieldSelector', { containerName: str(), resource: str(), divisor: quantity() }, ['resource']);

const envVarSchema = named('EnvVar', {
  name: str(),
  value: str(),
  valueFrom: named('EnvVarSource', {
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    configMapKeyRef: keySelector('ConfigMapKeySelector'),
    secretKeyRef: keySelector('SecretKeySelector'),
  }),
}, ['name']);

const envFromSchema = named('EnvFromSource', {
  prefix: str(),
  configMapRef: named('ConfigMapEnvSource', { name: str(), optional: bool() }),
  secretRef: named('SecretEnvSource', { name: str(), optional: bool() }),
});

const resourceList = (): Schema => mapOf(quantity());
const resourceRequirementsSchema = named('ResourceRequirements', {
  limits: resourceList(),
  requests: resourceList(),
  claims: keyedList(named('ResourceClaim', { name: str(), request: str() }, ['name']), 'name'),
});

const httpGet = named('HTTPGetAction', {
  path: str(), port: intOrString(), host: str(), scheme: str(),
  httpHeaders: list(named('HTTPHeader', { name: str(), value: str() }, ['name', 'value'])),
}, ['port']);
const tcpSocket = named('TCPSocketAction', { port: intOrString(), host: str() }, ['port']);
const execAction = named('ExecAction', { command: list(str()) });
const grpcAction = named('GRPCAction', { port: int32(), service: str() }, ['port']);

const probeSchema = named('Probe', {
  exec: execAction, httpGet, tcpSocket, grpc: grpcAction,
  initialDelaySeconds: int32(), timeoutSeconds: int32(), periodSeconds: int32(), successThreshold: int32(), failureThreshold: int32(),
  terminationGracePeriodSeconds: int64(),
});

const lifecycleHandler = named('LifecycleHandler', { exec: execAction, httpGet, tcpSocket, sleep: named('SleepAction', { seconds: int64() }, ['seconds']) });
const seLinuxOptions = named('SELinuxOptions', { user: str(), role: str(), type: str(), level: str() });
const windowsOptions = named('WindowsSecurityContextOptions', { gmsaCredentialSpecName: str(), gmsaCredentialSpec: str(), runAsUserName: str(), hostProcess: bool() });
const seccompProfile = named('SeccompProfile', { type: str(), localhostProfile: str() }, ['type']);
const appArmorProfile = named('AppArmorProfile', { type: str(), localhostProfile: str() }, ['type']);

const securityContextSchema = named('SecurityContext', {
  capabilities: named('Capabilities', { add: list(str()), drop: list(str()) }),
  privileged: bool(), seLinuxOptions, windowsOptions, runAsUser: int64(), runAsGroup: int64(), runAsNonRoot: bool(),
  readOnlyRootFilesystem: bool(), allowPrivilegeEscalation: bool(), procMount: str(), seccompProfile, appArmorProfile,
});

const podSecurityContext = named('PodSecurityContext', {
  seLinuxOptions, windowsOptions, runAsUser: int64(), runAsGroup: int64(), runAsNonRoot: bool(),
  supplementalGroups: list(int64()), supplementalGroupsPolicy: str(), fsGroup: int64(),
  sysctls: list(named('Sysctl', { name: str(), value: str() }, ['name', 'value'])),
  fsGroupChangePolicy: str(), seccompProfile, appArmorProfile, seLinuxChangePolicy: str(),
});

const containerPortSchema = named('ContainerPort', { name: str(), hostPort: int32(), containerPort: int32(), protocol: str(), hostIP: str() }, ['containerPort']);

const containerFields: Record<string, Schema> = {
  name: str(), image: str(), command: list(str()), args: list(str()), workingDir: str(),
  ports: keyedList(containerPortSchema, 'containerPort', ['containerPort', 'protocol']),
  envFrom: list(envFromSchema),
  env: keyedList(envVarSchema, 'name'),
  resources: resourceRequirementsSchema,
  resizePolicy: list(named('ContainerResizePolicy', { resourceName: str(), restartPolicy: str() }, ['resourceName', 'restartPolicy'])),
  restartPolicy: str(),
  volumeMounts: keyedList(named('VolumeMount', { name: str(), readOnly: bool(), recursiveReadOnly: str(), mountPath: str(), subPath: str(), mountPropagation: str(), subPathExpr: str() }, ['name', 'mountPath']), 'mountPath'),
  volumeDevices: keyedList(named('VolumeDevice', { name: str(), devicePath: str() }, ['name', 'devicePath']), 'devicePath'),
  livenessProbe: probeSchema, readinessProbe: probeSchema, startupProbe: probeSchema,
  lifecycle: named('Lifecycle', { postStart: lifecycleHandler, preStop: lifecycleHandler, stopSignal: str() }),
  terminationMessagePath: str(), terminationMessagePolicy: str(), imagePullPolicy: str(),
  securityContext: securityContextSchema,
  stdin: bool(), stdinOnce: bool(), tty: bool(),
};

const containerSchema = named('Container', containerFields, ['name']);
const ephemeralContainerSchema = named('EphemeralContainer', { ...containerFields, targetContainerName: str() }, ['name']);

const keyToPath = named('KeyToPath', { key: str(), path: str(), mode: int32() }, ['key', 'path']);
const downwardAPIVolumeFile = named('DownwardAPIVolumeFile', { path: str(), fieldRef: objectFieldSelector, resourceFieldRef: resourceFieldSelector, mode: int32() }, ['path']);
const legacyVolumeSources = [
  'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'fc', 'flexVolume', 'flocker', 'gitRepo',
  'glusterfs', 'iscsi', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
];

export const volumeSchema = named('Volume', {
  name: str(),
  hostPath: named('HostPathVolumeSource', { path: str(), type: str() }, ['path']),
  emptyDir: named('EmptyDirVolumeSource', { medium: str(), sizeLimit: quantity() }),
  secret: named('SecretVolumeSource', { secretName: str(), items: list(keyToPath), defaultMode: int32(), optional: bool() }),
  configMap: named('ConfigMapVolumeSource', { name: str(), items: list(keyToPath), defaultMode: int32(), optional: bool() }),
  persistentVolumeClaim: named('PersistentVolumeClaimVolumeSource', { claimName: str(), readOnly: bool() }, ['claimName']),
  downwardAPI: named('DownwardAPIVolumeSource', { items: list(downwardAPIVolumeFile), defaultMode: int32() }),
  projected: named('ProjectedVolumeSource', {
    sources: list(named('VolumeProjection', {
      secret: named('SecretProjection', { name: str(), items: list(keyToPath), optional: bool() }),
      configMap: named('ConfigMapProjection', { name: str(), items: list(keyToPath), optional: bool() }),
      downwardAPI: named('DownwardAPIProjection', { items: list(downwardAPIVolumeFile) }),
      serviceAccountToken: named('ServiceAccountTokenProjection', { audience: str(), expirationSeconds: int64(), path: str() }, ['path']),
      clusterTrustBundle: anyValue(),
    })),
    defaultMode: int32(),
  }),
  nfs: named('NFSVolumeSource', { server: str(), path: str(), readOnly: bool() }, ['server', 'path']),
  csi: named('CSIVolumeSource', { driver: str(), readOnly: bool(), fsType: str(), volumeAttributes: strMap(), nodePublishSecretRef: localRef }, ['driver']),
  ephemeral: named('EphemeralVolumeSource', { volumeClaimTemplate: obj({ metadata: objectMetaSchema, spec: anyValue() }) }),
  image: named('ImageVolumeSource', { reference: str(), pullPolicy: str() }),
  ...Object.fromEntries(legacyVolumeSources.map((k) => [k, anyValue()])),
}, ['name']);

const nodeSelectorRequirement = named('NodeSelectorRequirement', { key: str(), operator: str(), values: list(str()) }, ['key', 'operator']);
const nodeSelectorTerm = obj({ matchExpressions: list(nodeSelectorRequirement), matchFields: list(nodeSelectorRequirement) }, { name: `${core}.NodeSelectorTerm`, structType: 'atomic' });
const podAffinityTerm = named('PodAffinityTerm', {
  labelSelector: labelSelectorSchema, namespaces: list(str()), topologyKey: str(), namespaceSelector: labelSelectorSchema,
  matchLabelKeys: list(str()), mismatchLabelKeys: list(str()),
}, ['topologyKey']);
const weightedPodAffinityTerm = named('WeightedPodAffinityTerm', { weight: int32(), podAffinityTerm }, ['weight', 'podAffinityTerm']);
const podAffinity = (name: string): Schema => named(name, {
  requiredDuringSchedulingIgnoredDuringExecution: list(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: list(weightedPodAffinityTerm),
});

const affinitySchema = named('Affinity', {
  nodeAffinity: named('NodeAffinity', {
    requiredDuringSchedulingIgnoredDuringExecution: obj({ nodeSelectorTerms: list(nodeSelectorTerm) }, { name: `${core}.NodeSelector`, structType: 'atomic', required: ['nodeSelectorTerms'] }),
    preferredDuringSchedulingIgnoredDuringExecution: list(named('PreferredSchedulingTerm', { weight: int32(), preference: nodeSelectorTerm }, ['weight', 'preference'])),
  }),
  podAffinity: podAffinity('PodAffinity'),
  podAntiAffinity: podAffinity('PodAntiAffinity'),
});

const tolerationSchema = named('Toleration', { key: str(), operator: str(), value: str(), effect: str(), tolerationSeconds: int64() });

export const podSpecSchema = named('PodSpec', {
  volumes: { ...keyedList(volumeSchema, 'name'), strategy: 'merge,retainKeys' } as Schema,
  initContainers: keyedList(containerSchema, 'name'),
  containers: keyedList(containerSchema, 'name'),
  ephemeralContainers: keyedList(ephemeralContainerSchema, 'name'),
  restartPolicy: str(),
  terminationGracePeriodSeconds: int64(),
  activeDeadlineSeconds: int64(),
  dnsPolicy: str(),
  nodeSelector: { type: 'map', values: str(), mapType: 'atomic' },
  serviceAccountName: str(),
  serviceAccount: str(),
  automountServiceAccountToken: bool(),
  nodeName: str(),
  hostNetwork: bool(), hostPID: bool(), hostIPC: bool(), shareProcessNamespace: bool(),
  securityContext: podSecurityContext,
  imagePullSecrets: keyedList(localRef, 'name'),
  hostname: str(), subdomain: str(),
  affinity: affinitySchema,
  schedulerName: str(),
  tolerations: list(tolerationSchema),
  hostAliases: keyedList(named('HostAlias', { ip: str(), hostnames: list(str()) }, ['ip']), 'ip'),
  priorityClassName: str(), priority: int32(),
  dnsConfig: named('PodDNSConfig', { nameservers: list(str()), searches: list(str()), options: list(named('PodDNSConfigOption', { name: str(), value: str() })) }),
  readinessGates: list(named('PodReadinessGate', { conditionType: str() }, ['conditionType'])),
  runtimeClassName: str(),
  enableServiceLinks: bool(),
  preemptionPolicy: str(),
  overhead: mapOf(quantity()),
  topologySpreadConstraints: keyedList(named('TopologySpreadConstraint', {
    maxSkew: int32(), topologyKey: str(), whenUnsatisfiable: str(), labelSelector: labelSelectorSchema, minDomains: int32(),
    nodeAffinityPolicy: str(), nodeTaintsPolicy: str(), matchLabelKeys: list(str()),
  }, ['maxSkew', 'topologyKey', 'whenUnsatisfiable']), 'topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  setHostnameAsFQDN: bool(),
  os: named('PodOS', { name: str() }, ['name']),
  hostUsers: bool(),
  schedulingGates: keyedList(named('PodSchedulingGate', { name: str() }, ['name']), 'name'),
  resourceClaims: keyedList(named('PodResourceClaim', { name: str(), resourceClaimName: str(), resourceClaimTemplateName: str() }, ['name']), 'name'),
  resources: resourceRequirementsSchema,
}, ['containers']);

const containerStateSchema = named('ContainerState', {
  waiting: named('ContainerStateWaiting', { reason: str(), message: str() }),
  running: named('ContainerStateRunning', { startedAt: time() }),
  terminated: named('ContainerStateTerminated', { exitCode: int32(), signal: int32(), reason: str(), message: str(), startedAt: time(), finishedAt: time(), containerID: str() }, ['exitCode']),
});

const containerStatusSchema = named('ContainerStatus', {
  name: str(), state: containerStateSchema, lastState: containerStateSchema, ready: bool(), restartCount: int32(), image: str(), imageID: str(),
  containerID: str(), started: bool(), allocatedResources: mapOf(quantity()), resources: resourceRequirementsSchema,
  volumeMounts: list(anyValue()), user: anyValue(), allocatedResourcesStatus: list(anyValue()),
}, ['name', 'ready', 'restartCount', 'image', 'imageID']);

const podConditionSchema = named('PodCondition', { type: str(), status: str(), lastProbeTime: time(), lastTransitionTime: time(), reason: str(), message: str() }, ['type', 'status']);
/** podIPs/hostIPs: merged by ip in strategic merge patch, atomic for server-side apply. */
const ipEntry = (name: string): Schema => ({ ...keyedList(named(name, { ip: str() }), 'ip'), listType: 'atomic' }) as Schema;

export const podStatusSchema = named('PodStatus', {
  phase: str(), conditions: keyedList(podConditionSchema, 'type'), message: str(), reason: str(), nominatedNodeName: str(),
  hostIP: str(), hostIPs: ipEntry('HostIP'), podIP: str(), podIPs: ipEntry('PodIP'), startTime: time(),
  initContainerStatuses: list(containerStatusSchema), containerStatuses: list(containerStatusSchema), ephemeralContainerStatuses: list(containerStatusSchema),
  qosClass: str(), resize: str(), resourceClaimStatuses: list(anyValue()),
});

export const podTemplateSpecSchema = named('PodTemplateSpec', { metadata: objectMetaSchema, spec: podSpecSchema });

const typedLocalObjectReference = named('TypedLocalObjectReference', { apiGroup: str(), kind: str(), name: str() }, ['kind', 'name']);

export const pvcSpecSchema = named('PersistentVolumeClaimSpec', {
  accessModes: list(str()),
  selector: labelSelectorSchema,
  resources: named('VolumeResourceRequirements', { limits: mapOf(quantity()), requests: mapOf(quantity()) }),
  volumeName: str(),
  storageClassName: str(),
  volumeMode: str(),
  dataSource: typedLocalObjectReference,
  dataSourceRef: named('TypedObjectReference', { apiGroup: str(), kind: str(), name: str(), namespace: str() }, ['kind', 'name']),
  volumeAttributesClassName: str(),
});

