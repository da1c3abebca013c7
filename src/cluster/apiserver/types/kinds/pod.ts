/** core/v1 Pod: defaulting (incl. what admission adds), validation, update rules, printer. */
import type { Causes } from '../causes.js';
import { age } from '../duration.js';
import type { KubeObject, Strategy } from '../index.js';
import { podSpecSchema, podStatusSchema } from '../core-schema.js';
import { subdomainName, topLevel } from '../meta.js';
import { isDNS1123Subdomain, isIP, quantityValue } from '../names.js';
import { ageColumn, arr, clone, column, created, deepEqual, makeStrategy, resourceType, s } from '../strategy.js';
import { defaultPodSpec, validatePodSpec } from './podspec.js';

const podSchema = topLevel('io.k8s.api.core.v1.Pod', { spec: podSpecSchema, status: podStatusSchema });

/** QoS class as the kubelet computes it from requests and limits. */
export function qosClass(spec: KubeObject): string {
  const containers = [...arr(spec.containers), ...arr(spec.initContainers)];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as Record<string, unknown>;
    const lim = (c.resources?.limits ?? {}) as Record<string, unknown>;
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      if (lim[r] === undefined || (req[r] !== undefined && quantityValue(req[r]) !== quantityValue(lim[r]))) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const notReadyTolerations = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

function defaultPod(pod: KubeObject): void {
  if (!pod.spec || typeof pod.spec !== 'object') return;
  const spec = pod.spec;
  defaultPodSpec(spec);
  // What the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add.
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const tolerations = arr(spec.tolerations);
  for (const key of notReadyTolerations) {
    const covered = tolerations.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  if (!pod.status || typeof pod.status !== 'object') pod.status = {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= qosClass(spec);
}

const updatableFieldsMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validatePodUpdate(spec: KubeObject, old: KubeObject, causes: Causes): void {
  const mutable = clone(spec);
  const before = clone(old);
  for (const key of ['containers', 'initContainers'] as const) {
    const newList = arr(mutable[key]);
    const oldList = arr(before[key]);
    if (newList.length === oldList.length) {
      newList.forEach((c, i) => {
        const o = oldList[i];
        if (o && c) {
          if (!c.image) causes.required(`spec.${key}[${i}].image`);
          c.image = o.image;
          // The pull policy follows the image when it was defaulted from it.
          c.imagePullPolicy = o.imagePullPolicy;
        }
      });
    }
  }
  if (typeof old.activeDeadlineSeconds === 'number') {
    if (spec.activeDeadlineSeconds === undefined) causes.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value');
    else if (spec.activeDeadlineSeconds > old.activeDeadlineSeconds) causes.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value');
  }
  mutable.activeDeadlineSeconds = before.activeDeadlineSeconds;
  const oldTolerations = arr(old.tolerations);
  const newTolerations = arr(spec.tolerations);
  const kept = oldTolerations.every((o) => newTolerations.some((t) => deepEqual(t, o) || (o.effect === 'NoExecute' && t.key === o.key && t.operator === o.operator && t.value === o.value && t.effect === o.effect && typeof t.tolerationSeconds === 'number' && typeof o.tolerationSeconds === 'number' && t.tolerationSeconds <= o.tolerationSeconds)));
  if (!kept) causes.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds');
  mutable.tolerations = before.tolerations;
  if (typeof old.terminationGracePeriodSeconds === 'number' && old.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    mutable.terminationGracePeriodSeconds = before.terminationGracePeriodSeconds;
  }
  // The scheduler binds through /binding; a plain update may set nodeName only while unset.
  if (!before.nodeName && mutable.nodeName) mutable.nodeName = before.nodeName;
  // Scheduling gates may only be removed.
  const oldGates = arr(before.schedulingGates).map((g) => g.name);
  if (arr(mutable.schedulingGates).every((g) => oldGates.includes(g.name))) mutable.schedulingGates = before.schedulingGates;
  if (!deepEqual(mutable, before)) causes.forbidden('spec', updatableFieldsMessage);
}

const podPhases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

/** What the node agent writes through /status: a known phase, addresses, counters. */
function validatePodStatus(status: KubeObject | undefined, causes: Causes): void {
  if (!status || typeof status !== 'object') return;
  if (status.phase !== undefined && !podPhases.includes(status.phase)) causes.notSupported('status.phase', status.phase, podPhases);
  if (status.nominatedNodeName) causes.check('status.nominatedNodeName', status.nominatedNodeName, isDNS1123Subdomain(status.nominatedNodeName));
  for (const [single, many] of [['podIP', 'podIPs'], ['hostIP', 'hostIPs']] as const) {
    const ips = arr(status[many]).map((e) => s(e.ip));
    ips.forEach((ip, i) => {
      if (!isIP(ip)) causes.invalid(`status.${many}[${i}].ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
      else if (ips.indexOf(ip) !== i) causes.duplicate(`status.${many}[${i}].ip`, ip);
    });
    if (status[single] && !isIP(s(status[single]))) causes.invalid(`status.${single}`, status[single], 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    if (status[single] && ips.length > 0 && ips[0] !== status[single]) causes.invalid(`status.${many}[0].ip`, ips[0], `must be equal to ${single}`);
  }
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'] as const) {
    arr(status[key]).forEach((c, i) => {
      if (typeof c.restartCount === 'number' && c.restartCount < 0) causes.invalid(`status.${key}[${i}].restartCount`, c.restartCount, 'must be greater than or equal to 0');
    });
  }
}

function restartsOf(containers: KubeObject[], counted: (i: number) => boolean): { restarts: number; last?: string } {
  let restarts = 0;
  let last: string | undefined;
  containers.forEach((c, i) => {
    if (!counted(i)) return;
    restarts += typeof c.restartCount === 'number' ? c.restartCount : 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (typeof finished === 'string' && (!last || finished > last)) last = finished;
  });
  return last ? { restarts, last } : { restarts };
}

/** The READY, STATUS and RESTARTS cells as kubectl's pod printer computes them. */
function podStatusCells(pod: KubeObject, now: Date): [string, string, string] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let reason = s(status.phase);
  if (status.reason) reason = s(status.reason);
  if (arr(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  let total = arr(spec.containers).length;
  let ready = 0;
  const initSpecs = arr(spec.initContainers);
  const initStatuses = arr(status.initContainerStatuses);
  const isSidecar = (i: number): boolean => initSpecs[i]?.restartPolicy === 'Always';
  const sidecars = restartsOf(initStatuses, isSidecar);
  let restarts = 0;
  let last: string | undefined;
  let initializing = false;
  for (const [i, c] of initStatuses.entries()) {
    restarts += typeof c.restartCount === 'number' ? c.restartCount : 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (typeof finished === 'string' && (!last || finished > last)) last = finished;
    if (isSidecar(i)) {
      total++;
      if (c.ready) ready++;
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (isSidecar(i) && c.started) continue;
    if (term) {
      reason = term.reason ? `Init:${s(term.reason)}` : term.signal ? `Init:Signal:${s(term.signal)}` : `Init:ExitCode:${s(term.exitCode)}`;
    } else if (wait && wait.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${s(wait.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }
  const initialized = arr(status.conditions).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecars.restarts;
    last = sidecars.last;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] ?? {};
      restarts += typeof c.restartCount === 'number' ? c.restartCount : 0;
      const finished = c.lastState?.terminated?.finishedAt;
      if (typeof finished === 'string' && (!last || finished > last)) last = finished;
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = s(wait.reason);
      else if (term?.reason) reason = s(term.reason);
      else if (term) reason = term.signal ? `Signal:${s(term.signal)}` : `ExitCode:${s(term.exitCode)}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = arr(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  const restartText = restarts !== 0 && last ? `${restarts} (${age(last, now)} ago)` : String(restarts);
  return [`${ready}/${total}`, reason, restartText];
}

export function podStrategy(): Strategy {
  return makeStrategy({
    type: resourceType({
      group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'],
      subresources: ['status', 'log', 'exec', 'eviction', 'binding', 'attach', 'portforward'],
    }),
    schema: podSchema,
    nameCheck: subdomainName,
    default: defaultPod,
    validate(pod, causes, old) {
      validatePodSpec(pod.spec, 'spec', causes);
      if (old?.spec && pod.spec) validatePodUpdate(pod.spec, old.spec, causes);
      validatePodStatus(pod.status, causes);
    },
    fields: (pod) => ({
      'spec.nodeName': s(pod.spec?.nodeName),
      'spec.restartPolicy': s(pod.spec?.restartPolicy),
      'spec.schedulerName': s(pod.spec?.schedulerName),
      'spec.serviceAccountName': s(pod.spec?.serviceAccountName),
      'spec.hostNetwork': String(pod.spec?.hostNetwork === true),
      'status.phase': s(pod.status?.phase),
      'status.podIP': s(pod.status?.podIP),
      'status.nominatedNodeName': s(pod.status?.nominatedNodeName),
    }),
    printer: {
      columns: [
        column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
        column('Status', 'string', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
        ageColumn,
        column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
        column('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.', 1),
        column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
        column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"', 1),
      ],
      cells(pod, now) {
        const [ready, status, restarts] = podStatusCells(pod, now);
        const ips = arr(pod.status?.podIPs);
        const ip = s(ips[0]?.ip) || s(pod.status?.podIP) || '<none>';
        const gates = arr(pod.spec?.readinessGates);
        let gateCell = '<none>';
        if (gates.length > 0) {
          const conditions = arr(pod.status?.conditions);
          const trueGates = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
          gateCell = `${trueGates}/${gates.length}`;
        }
        return [ready, status, restarts, created(pod, now), ip, s(pod.spec?.nodeName) || '<none>', s(pod.status?.nominatedNodeName) || '<none>', gateCell];
      },
    },
  });
}

