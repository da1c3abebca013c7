import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { berth, tempRoot } from '../helpers/berth.js';
import { kubectl as runKubectl, startClusterServer, type TestClusterServer } from '../helpers/cluster.js';

/** The real kubectl against `berth server`, each test with a fresh discovery cache. */

const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web, tier: front}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: busybox
        ports:
        - containerPort: 80
        env:
        - {name: A, value: "1"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
              replicas: {type: integer}
              color: {type: string, default: blue}
`;

describe('kubectl against berth server', () => {
  const tmp = tempRoot('bkc-');
  let server: TestClusterServer;
  let cacheCount = 0;
  /** kubectl with a fresh cache directory per call site (discovery changes between tests). */
  const kubectl = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runKubectl(server.kubeconfig, path.join(tmp.dir, `cache-${cacheCount++}`), args, options);
  const ok = async (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> => {
    const r = await kubectl(args, options);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    server = await startClusterServer(tmp.root);
  });
  after(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  test('berth kubeconfig prints the kubeconfig the server wrote (0600), or one with a read-only client certificate', async () => {
    const r = await berth(tmp.root, ['kubeconfig']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(server.kubeconfig, 'utf8'));
    assert.equal(fs.statSync(server.kubeconfig).mode & 0o777, 0o600);
    assert.match(await ok(['version', '-o', 'json']), /"gitVersion": "v1\.32\./);
    const port = new URL(server.url).port;
    assert.match(await ok(['get', 'service', 'kubernetes']), new RegExp(`kubernetes\\s+ClusterIP\\s+10\\.43\\.0\\.1\\s+<none>\\s+443/TCP`));
    const endpoints = JSON.parse(await ok(['get', 'endpoints', 'kubernetes', '-o', 'json']));
    assert.equal(endpoints.subsets[0].ports[0].port, Number(port));
    const viewer = await berth(tmp.root, ['kubeconfig', '--user', 'alice', '--group', 'berth:viewers']);
    assert.equal(viewer.code, 0, viewer.stderr);
    const aliceConfig = path.join(tmp.dir, 'alice.yaml');
    fs.writeFileSync(aliceConfig, viewer.stdout, { mode: 0o600 });
    const cache = path.join(tmp.dir, `cache-${cacheCount++}`);
    assert.equal((await runKubectl(aliceConfig, cache, ['get', 'configmaps'])).code, 0);
    assert.match((await runKubectl(aliceConfig, cache, ['create', 'configmap', 'nope'])).stderr, /configmaps is forbidden: User "alice" cannot create resource "configmaps"/);
  });

  test('apply a multi-document manifest client-side twice, then server-side', async () => {
    assert.equal(await ok(['apply', '-f', '-'], { input: manifest }), 'configmap/settings created\ndeployment.apps/web created\nservice/web created\n');
    assert.equal(await ok(['apply', '-f', '-'], { input: manifest }), 'configmap/settings unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n');
    const changed = manifest.replace('color: blue', 'color: green').replace('replicas: 2', 'replicas: 3');
    assert.match(await ok(['apply', '-f', '-'], { input: changed }), /configmap\/settings configured\ndeployment.apps\/web configured/);
    assert.match(await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: changed }), /deployment.apps\/web serverside-applied/);
    const deploy = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json', '--show-managed-fields']));
    assert.equal(deploy.spec.replicas, 3);
    assert.equal(deploy.metadata.generation, 2);
    assert.ok(deploy.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
    assert.equal(deploy.spec.template.spec.containers[0].imagePullPolicy, 'Always', 'defaulted');
  });

  test('get: tables, wide, yaml, json, label selectors, all namespaces', async () => {
    await ok(['apply', '-f', '-'], { input: manifest });
    const table = await ok(['get', 'configmaps']);
    assert.match(table, /^NAME\s+DATA\s+AGE\n/);
    assert.match(table, /\nsettings\s+1\s+/);
    assert.match(await ok(['get', 'deploy', '-o', 'wide']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+0\/\d\s+0\s+0\s+\S+\s+app\s+busybox\s+app=web\n/);
    assert.match(await ok(['get', 'cm', 'settings', '-o', 'yaml']), /kind: ConfigMap\n/);
    assert.equal(JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json'])).spec.ports[0].protocol, 'TCP');
    assert.match(await ok(['get', 'cm', '-l', 'tier=front', '-o', 'name']), /^configmap\/settings\n$/);
    assert.equal(await ok(['get', 'cm', '-l', 'tier=back', '-o', 'name']), '');
    assert.match(await ok(['get', 'namespaces', '-A']), /kube-system\s+Active/);
    assert.match(await ok(['get', 'cm', '-A']), /NAMESPACE\s+NAME\s+DATA\s+AGE\ndefault\s+settings/);
  });

  test('get -w streams a change', async () => {
    const cache = path.join(tmp.dir, `cache-${cacheCount++}`);
    const child = spawn('kubectl', ['--kubeconfig', server.kubeconfig, '--cache-dir', cache, 'get', 'cm', '-w', '--request-timeout=20s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const seen = new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (/watched-cm/.test(out)) resolve();
      }),
    );
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await ok(['create', 'configmap', 'watched-cm', '--from-literal=a=b']);
      await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`no watch event: ${out}`)), 15000))]);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    }
    assert.match(out, /watched-cm\s+1\s+/);
  });

  test('describe, edit with KUBE_EDITOR, patch (strategic, merge, json), label, annotate', async () => {
    await ok(['apply', '-f', '-'], { input: manifest });
    assert.match(await ok(['describe', 'deployment', 'web']), /Name:\s+web\n.*\nSelector:\s+app=web/s);
    const editor = path.join(tmp.dir, 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nsed -i "s/color: .*/color: edited/" "$1"\n', { mode: 0o755 });
    assert.match(await ok(['edit', 'configmap', 'settings'], { env: { KUBE_EDITOR: editor } }), /configmap\/settings edited/);
    assert.equal(JSON.parse(await ok(['get', 'cm', 'settings', '-o', 'json'])).data.color, 'edited');
    await ok(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:2"}]}}}}']);
    const patched = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json']));
    assert.equal(patched.spec.template.spec.containers.length, 1, 'strategic merge by container name');
    assert.equal(patched.spec.template.spec.containers[0].image, 'busybox:2');
    assert.deepEqual(patched.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    await ok(['patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"extra":"x"}}']);
    await ok(['patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"remove","path":"/data/color"}]']);
    assert.deepEqual(JSON.parse(await ok(['get', 'cm', 'settings', '-o', 'json'])).data, { extra: 'x' });
    await ok(['label', 'cm', 'settings', 'release=1']);
    await ok(['annotate', 'cm', 'settings', 'note=hello']);
    const labelled = JSON.parse(await ok(['get', 'cm', 'settings', '-o', 'json']));
    assert.equal(labelled.metadata.labels.release, '1');
    assert.equal(labelled.metadata.annotations.note, 'hello');
    const bad = await kubectl(['patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"test","path":"/data/extra","value":"y"}]']);
    assert.notEqual(bad.code, 0);
  });

  test('create configmap/secret --from-literal, api-resources', async () => {
    await ok(['create', 'configmap', 'lit', '--from-literal=a=1', '--from-literal=b=2']);
    assert.deepEqual(JSON.parse(await ok(['get', 'cm', 'lit', '-o', 'json'])).data, { a: '1', b: '2' });
    await ok(['create', 'secret', 'generic', 'sec', '--from-literal=password=s3cret']);
    assert.equal(Buffer.from(JSON.parse(await ok(['get', 'secret', 'sec', '-o', 'json'])).data.password, 'base64').toString(), 's3cret');
    const resources = await ok(['api-resources']);
    for (const line of [/^pods\s+po\s+v1\s+true\s+Pod$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^customresourcedefinitions\s+crd,crds\s+apiextensions.k8s.io\/v1\s+false\s+CustomResourceDefinition$/m]) {
      assert.match(resources, line);
    }
  });

  test('delete with cascade: background removes dependents, orphan keeps them', async () => {
    await ok(['create', 'configmap', 'owner', '--from-literal=a=1']);
    const uid = JSON.parse(await ok(['get', 'cm', 'owner', '-o', 'json'])).metadata.uid;
    const dependent = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}\n`;
    await ok(['apply', '-f', '-'], { input: dependent('dep1') });
    await ok(['delete', 'cm', 'owner', '--cascade=background']);
    await ok(['wait', '--for=delete', 'cm/dep1', '--timeout=20s']);
    await ok(['create', 'configmap', 'owner', '--from-literal=a=1']);
    const uid2 = JSON.parse(await ok(['get', 'cm', 'owner', '-o', 'json'])).metadata.uid;
    await ok(['apply', '-f', '-'], { input: dependent('dep2').replace(uid, uid2) });
    await ok(['delete', 'cm', 'owner', '--cascade=orphan']);
    const kept = JSON.parse(await ok(['get', 'cm', 'dep2', '-o', 'json']));
    assert.equal(kept.metadata.ownerReferences, undefined);
    await ok(['create', 'namespace', 'gone-soon']);
    await ok(['create', 'configmap', 'x', '-n', 'gone-soon', '--from-literal=a=1']);
    await ok(['delete', 'namespace', 'gone-soon', '--wait=true', '--timeout=30s']);
    assert.notEqual((await kubectl(['get', 'namespace', 'gone-soon'])).code, 0);
  });

  test('a CRD and its custom resources: established, defaulted, validated, scaled, printed', async () => {
    await ok(['apply', '-f', '-'], { input: crd });
    await ok(['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']);
    await ok(['apply', '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3, replicas: 1}\n' });
    assert.match(await ok(['get', 'widgets']), /^NAME\s+SIZE\nw1\s+3\n/);
    const w = JSON.parse(await ok(['get', 'wd', 'w1', '-o', 'json']));
    assert.equal(w.spec.color, 'blue');
    await ok(['scale', 'widget', 'w1', '--replicas=4']);
    assert.equal(JSON.parse(await ok(['get', 'wd', 'w1', '-o', 'json'])).spec.replicas, 4);
    const invalid = await kubectl(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":0}}']);
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /spec\.size: Invalid value: 0/);
    await ok(['delete', 'crd', 'widgets.example.com']);
    assert.notEqual((await kubectl(['get', 'widgets'])).code, 0);
  });

  test('Services get a cluster IP from the range and node ports that no other Service holds', async () => {
    const svc = (name: string, nodePort?: number) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports:\n  - port: 80${nodePort ? `\n    nodePort: ${nodePort}` : ''}\n`;
    await ok(['apply', '-f', '-'], { input: svc('np1', 31080) });
    const first = JSON.parse(await ok(['get', 'svc', 'np1', '-o', 'json']));
    assert.match(first.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(first.spec.clusterIPs, [first.spec.clusterIP]);
    assert.equal(first.spec.ports[0].nodePort, 31080);
    const taken = await kubectl(['apply', '-f', '-'], { input: svc('np2', 31080) });
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 31080: provided port is already allocated/);
    await ok(['apply', '-f', '-'], { input: svc('np3') });
    const third = JSON.parse(await ok(['get', 'svc', 'np3', '-o', 'json']));
    assert.ok(third.spec.ports[0].nodePort >= 30000 && third.spec.ports[0].nodePort <= 32767);
    assert.notEqual(third.spec.clusterIP, first.spec.clusterIP);
    await ok(['patch', 'svc', 'np3', '--type=merge', '-p', '{"spec":{"type":"ClusterIP"}}']);
    const asClusterIp = JSON.parse(await ok(['get', 'svc', 'np3', '-o', 'json']));
    assert.equal(asClusterIp.spec.ports[0].nodePort, undefined, 'node ports go with the NodePort type');
    assert.equal(asClusterIp.spec.clusterIP, third.spec.clusterIP);
    await ok(['apply', '-f', '-'], { input: svc('np4', third.spec.ports[0].nodePort) });
    await ok(['patch', 'svc', 'np3', '--type=merge', '-p', '{"spec":{"type":"NodePort"}}']);
    const again = JSON.parse(await ok(['get', 'svc', 'np3', '-o', 'json']));
    assert.ok(again.spec.ports[0].nodePort >= 30000 && again.spec.ports[0].nodePort !== third.spec.ports[0].nodePort);
    await ok(['delete', 'svc', 'np1']);
    for (let i = 0; i < 50; i++) {
      if ((await kubectl(['apply', '-f', '-'], { input: svc('np2', 31080) })).code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the node port of a deleted Service was not released');
  });

  test('logs and exec answer 501 until the node agent exists', async () => {
    await ok(['run', 'lonely', '--image=busybox']);
    const logs = await kubectl(['logs', 'lonely']);
    assert.match(logs.stderr, /NotImplemented.*the log subresource needs the node agent/);
    const exec = await kubectl(['exec', 'lonely', '--', 'true']);
    assert.match(exec.stderr, /NotImplemented.*the exec subresource needs the node agent/);
  });

  test('drain evicts through pods/eviction: 429 while a PodDisruptionBudget forbids, done once it is gone', async () => {
    await ok(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Node\nmetadata: {name: drained}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: guarded, labels: {app: guarded}}\nspec:\n  nodeName: drained\n  containers: [{name: c, image: busybox}]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: guard}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: guarded}}\n`,
    });
    const refused = await kubectl(['drain', 'drained', '--force', '--grace-period=1', '--timeout=3s']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.match(await ok(['get', 'node', 'drained']), /SchedulingDisabled/);
    await ok(['delete', 'pdb', 'guard']);
    assert.match(await ok(['drain', 'drained', '--force', '--grace-period=1', '--timeout=30s']), /node\/drained drained/);
    assert.notEqual((await kubectl(['get', 'pod', 'guarded'])).code, 0);
  });

  test('bad input: invalid YAML, a body over 3 MiB, unknown fields under strict validation, an immutable field', async () => {
    const yaml = await kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n' });
    assert.notEqual(yaml.code, 0);
    assert.match(yaml.stderr, /yaml/);
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: ${'x'.repeat(3_200_000)}\n`;
    const tooBig = await kubectl(['create', '-f', '-'], { input: big });
    assert.notEqual(tooBig.code, 0);
    assert.match(tooBig.stderr, /RequestEntityTooLarge.*Request entity too large: limit is 3145728/);
    const strict = await kubectl(['apply', '--validate=strict', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\n  bogus: 1\n' });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /unknown field "metadata\.bogus"/);
    await ok(['apply', '-f', '-'], { input: manifest });
    const immutable = await kubectl(['patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    assert.notEqual(immutable.code, 0);
    assert.match(immutable.stderr, /spec\.selector: Invalid value: .*field is immutable/);
    const wrongKind = await kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Nothing\nmetadata: {name: x}\n' });
    assert.notEqual(wrongKind.code, 0);
  });
});
