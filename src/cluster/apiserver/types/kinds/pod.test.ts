import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../index.js';
import { createCauses, lines, podBody, strategyFor } from '../test-helpers.js';
import { defaultPullPolicy } from './podspec.js';

const pods = strategyFor('', 'Pod');

describe('Pod defaulting', () => {
  it('fills the fields Kubernetes fills', () => {
    const pod = podBody({ volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'scratch' }] });
    pod.spec.containers[0].livenessProbe = { httpGet: { port: 80 } };
    pod.spec.containers[0].env = [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }];
    pod.spec.containers[0].resources = { limits: { cpu: '500m', memory: '64Mi' } };
    pods.default(pod);
    const spec = pod.spec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.priority, 0);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(spec.tolerations.map((t: { key: string }) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    const c = spec.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '64Mi' });
    const sized = podBody();
    sized.spec.containers[0].resources = { limits: { cpu: 1, memory: '1024Mi' }, requests: { cpu: '0.5', 'ephemeral-storage': '2048Ki' } };
    pods.default(sized);
    assert.equal(sized.status.qosClass, 'Burstable');
    const guaranteed = podBody();
    guaranteed.spec.containers[0].resources = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } };
    pods.default(guaranteed);
    assert.equal(guaranteed.status.qosClass, 'Guaranteed');
    assert.deepEqual(sized.spec.containers[0].resources, { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '2Mi' } });
    assert.equal(spec.volumes[0].configMap.defaultMode, 420);
    assert.deepEqual(spec.volumes[1].emptyDir, {});
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  });

  it('picks the pull policy from the tag', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('registry:5000/nginx'), 'Always');
    assert.equal(defaultPullPolicy('registry:5000/nginx:1.2'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('nginx@sha256:abcd'), 'IfNotPresent');
  });

  it('keeps explicit values and does not duplicate tolerations', () => {
    const pod = podBody({ restartPolicy: 'Never', tolerations: [{ operator: 'Exists' }] });
    pod.spec.containers[0].imagePullPolicy = 'Never';
    pods.default(pod);
    pods.default(pod);
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Never');
    assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists' }]);
  });
});

describe('Pod validation', () => {
  it('accepts a defaulted pod', () => {
    assert.deepEqual(createCauses(pods, podBody()), []);
  });

  it('names the fields at fault as Kubernetes does', () => {
    const pod = podBody({ restartPolicy: 'Sometimes', dnsPolicy: 'Nope' });
    pod.metadata.name = 'Web_1';
    pod.spec.containers.push({ name: 'app', ports: [{ containerPort: 70000, protocol: 'ICMP' }] });
    pod.spec.containers[0].env = [{ name: '1BAD=' }];
    pod.spec.containers[0].volumeMounts = [{ name: 'missing', mountPath: '/data' }];
    pod.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '1', memory: 'lots' } };
    const out = lines(createCauses(pods, pod));
    const expect = [
      /^metadata\.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of/,
      /^spec\.containers\[1\]\.name: Duplicate value: "app"$/,
      /^spec\.containers\[1\]\.image: Required value$/,
      /^spec\.containers\[1\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive$/,
      /^spec\.containers\[1\]\.ports\[0\]\.protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"$/,
      /^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1BAD=": a valid environment variable name/,
      /^spec\.containers\[0\]\.volumeMounts\[0\]\.name: Not found: "missing"$/,
      /^spec\.containers\[0\]\.resources\.limits\[memory\]: Invalid value: "lots": quantities must match/,
      /^spec\.containers\[0\]\.resources\.requests: Invalid value: "2": must be less than or equal to cpu limit of 1$/,
      /^spec\.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"$/,
      /^spec\.dnsPolicy: Unsupported value: "Nope"/,
    ];
    for (const re of expect) assert.ok(out.some((l) => re.test(l)), `${re} not in\n${out.join('\n')}`);
  });

  it('requires containers, names and a namespace', () => {
    const out = lines(createCauses(pods, { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [] } }));
    assert.ok(out.includes('metadata.name: Required value: name or generateName is required'), out.join('\n'));
    assert.ok(out.includes('metadata.namespace: Required value'));
    assert.ok(out.includes('spec.containers: Required value'));
  });

  it('reports values of the wrong JSON type instead of crashing', () => {
    const out = pods.validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'd' }, spec: { containers: 'nginx' } });
    assert.deepEqual(out.map((c) => [c.field, c.reason]), [['spec.containers', 'FieldValueTypeInvalid']]);
  });

  it('checks probes, tolerations, labels and volumes', () => {
    const pod = podBody({
      volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }],
      tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', effect: 'Sometimes' }],
    });
    pod.metadata.labels = { 'bad key!': 'x', ok: 'bad value!' };
    pod.spec.containers[0].livenessProbe = { successThreshold: 2, exec: { command: ['true'] } };
    pod.spec.containers[0].readinessProbe = {};
    const out = lines(createCauses(pods, pod));
    const expect = [
      /^metadata\.labels: Invalid value: "bad key!": name part must consist of/,
      /^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of/,
      /^spec\.volumes\[0\]\.emptyDir: Forbidden: may not specify more than 1 volume type$/,
      /^spec\.containers\[0\]\.livenessProbe\.successThreshold: Invalid value: 2: must be 1$/,
      /^spec\.containers\[0\]\.readinessProbe: Required value: must specify a handler type$/,
      /^spec\.tolerations\[0\]\.operator: Invalid value: "v": value must be empty when `operator` is 'Exists'$/,
      /^spec\.tolerations\[1\]\.effect: Unsupported value: "Sometimes"/,
    ];
    for (const re of expect) assert.ok(out.some((l) => re.test(l)), `${re} not in\n${out.join('\n')}`);
  });

  it('refuses a host port claimed twice and integers out of range', () => {
    const pod = podBody();
    pod.spec.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] });
    pod.spec.containers[0].ports[0].hostPort = 8080;
    assert.deepEqual(lines(createCauses(pods, pod)), ['spec.containers[1].ports[0].hostPort: Duplicate value: "8080/TCP"']);
    const huge = podBody();
    huge.spec.containers[0].ports[0].containerPort = 2 ** 40;
    assert.deepEqual(pods.validate(huge).map((c) => `${c.field}: ${c.reason}`), ['spec.containers[0].ports[0].containerPort: FieldValueTypeInvalid']);
  });

  it('checks what the node agent writes to status', () => {
    const pod = podBody();
    pods.default(pod);
    pod.status = { phase: 'Sleeping', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.6' }, { ip: '10.0.0.6' }, { ip: 'x' }], containerStatuses: [{ name: 'app', restartCount: -1 }] };
    assert.deepEqual(lines(pods.validate(pod)), [
      'status.phase: Unsupported value: "Sleeping": supported values: "Pending", "Running", "Succeeded", "Failed", "Unknown"',
      'status.podIPs[1].ip: Duplicate value: "10.0.0.6"',
      'status.podIPs[2].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'status.podIPs[0].ip: Invalid value: "10.0.0.6": must be equal to podIP',
      'status.containerStatuses[0].restartCount: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('allows only image, activeDeadlineSeconds and toleration additions on update', () => {
    const old = podBody();
    pods.default(old);
    const imageChange = structuredClone(old);
    imageChange.spec.containers[0].image = 'nginx:1.28';
    imageChange.spec.activeDeadlineSeconds = 30;
    imageChange.spec.tolerations.push({ key: 'x', operator: 'Exists' });
    assert.deepEqual(pods.validate(imageChange, old), []);

    const portChange = structuredClone(old);
    portChange.spec.containers[0].ports[0].containerPort = 81;
    const out = lines(pods.validate(portChange, old));
    assert.equal(out.length, 1);
    assert.match(out[0] ?? '', /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);

    const limited = structuredClone(old);
    limited.spec.activeDeadlineSeconds = 60;
    const unlimited = structuredClone(old);
    assert.deepEqual(lines(pods.validate(unlimited, limited)), ['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value']);
    const longer = structuredClone(limited);
    longer.spec.activeDeadlineSeconds = 120;
    assert.deepEqual(lines(pods.validate(longer, limited)), ['spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value']);

    const dropped = structuredClone(old);
    dropped.spec.tolerations = [];
    assert.match(lines(pods.validate(dropped, old)).join('\n'), /spec\.tolerations: Forbidden/);

    const renamed = structuredClone(old);
    renamed.metadata.name = 'other';
    assert.ok(lines(pods.validate(renamed, old)).includes('metadata.name: Invalid value: "other": field is immutable'));
  });
});

describe('Pod printer and fields', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const running = (): KubeObject => ({
    ...podBody(),
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    status: {
      phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: { startedAt: '2024-05-01T11:50:00Z' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:49:00Z' } } }],
    },
  });

  it('prints NAME READY STATUS RESTARTS AGE and the wide columns', () => {
    assert.deepEqual(pods.tableColumns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    const pod = running();
    pod.spec.nodeName = 'node-1';
    assert.deepEqual(pods.tableRow(pod, now), ['web', '1/1', 'Running', '2 (11m ago)', '60m', '10.0.0.5', 'node-1', '<none>', '<none>']);
  });

  it('derives STATUS from container states, init containers and deletion', () => {
    const waiting = running();
    waiting.status.containerStatuses[0] = { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } };
    assert.deepEqual(pods.tableRow(waiting, now).slice(1, 4), ['0/1', 'CrashLoopBackOff', '0']);

    const init = running();
    init.spec.initContainers = [{ name: 'setup', image: 'busybox' }];
    init.status = { phase: 'Pending', initContainerStatuses: [{ name: 'setup', ready: false, restartCount: 0, state: { running: {} } }], containerStatuses: [] };
    assert.equal(pods.tableRow(init, now)[2], 'Init:0/1');

    const exited = running();
    exited.status.containerStatuses[0] = { name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } };
    assert.equal(pods.tableRow(exited, now)[2], 'ExitCode:3');

    const gated = podBody({ schedulingGates: [{ name: 'wait' }] });
    gated.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] };
    assert.equal(pods.tableRow(gated, now)[2], 'SchedulingGated');

    const deleting = running();
    deleting.metadata.deletionTimestamp = '2024-05-01T11:59:00Z';
    assert.equal(pods.tableRow(deleting, now)[2], 'Terminating');

    const pending = podBody();
    pending.metadata.creationTimestamp = '2024-05-01T11:59:30Z';
    pods.default(pending);
    assert.deepEqual(pods.tableRow(pending, now), ['web', '0/1', 'Pending', '0', '30s', '<none>', '<none>', '<none>', '<none>']);
  });

  it('exposes the selectable fields kubectl and controllers use', () => {
    const pod = running();
    pod.spec.nodeName = 'node-1';
    pods.default(pod);
    const f = pods.selectableFields(pod);
    assert.equal(f['metadata.name'], 'web');
    assert.equal(f['metadata.namespace'], 'default');
    assert.equal(f['spec.nodeName'], 'node-1');
    assert.equal(f['status.phase'], 'Running');
    assert.equal(f['status.podIP'], '10.0.0.5');
    assert.equal(f['spec.restartPolicy'], 'Always');
    assert.equal(f['spec.schedulerName'], 'default-scheduler');
    assert.equal(f['spec.serviceAccountName'], 'default');
    assert.ok('spec.nodeName' in pods.selectableFields({}));
  });
});
