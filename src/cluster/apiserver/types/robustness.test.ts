import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinStrategies, customResourceStrategy, type KubeObject } from './index.js';

/** One valid-ish object per kind; the test breaks one field at a time. */
const samples: Record<string, KubeObject> = {
  Pod: {apiVersion:'v1',kind:'Pod',metadata:{name:'a',namespace:'d',labels:{a:'b'}},spec:{volumes:[{name:'v',configMap:{name:'c'}}],containers:[{name:'a',image:'x',ports:[{containerPort:80}],env:[{name:'A',value:'b'}],volumeMounts:[{name:'v',mountPath:'/v'}],livenessProbe:{httpGet:{port:80}},resources:{limits:{cpu:'1'}}}],tolerations:[{key:'a',operator:'Exists'}]},status:{containerStatuses:[{name:'a',ready:true,restartCount:1,state:{running:{}}}]}},
  Deployment: {apiVersion:'apps/v1',kind:'Deployment',metadata:{name:'a',namespace:'d'},spec:{replicas:2,selector:{matchLabels:{a:'b'}},template:{metadata:{labels:{a:'b'}},spec:{containers:[{name:'a',image:'x'}]}},strategy:{type:'RollingUpdate',rollingUpdate:{maxSurge:1}}},status:{readyReplicas:1}},
  Service: {apiVersion:'v1',kind:'Service',metadata:{name:'a',namespace:'d'},spec:{type:'LoadBalancer',selector:{a:'b'},ports:[{port:80,nodePort:30000}]},status:{loadBalancer:{ingress:[{ip:'1.2.3.4'}]}}},
  Secret: {metadata:{name:'a',namespace:'d'},data:{a:'eA=='},stringData:{b:'c'},type:'Opaque'},
  ConfigMap: {metadata:{name:'a',namespace:'d'},data:{a:'x'},binaryData:{b:'eA=='}},
  Namespace: {metadata:{name:'a'},spec:{finalizers:['kubernetes']},status:{phase:'Active'}},
  Node: {metadata:{name:'n'},spec:{taints:[{key:'a',effect:'NoSchedule'}]},status:{conditions:[{type:'Ready',status:'True'}],addresses:[{type:'InternalIP',address:'1.1.1.1'}],nodeInfo:{kubeletVersion:'v1'},capacity:{cpu:'1'}}},
  Event: {metadata:{name:'e',namespace:'d'},involvedObject:{kind:'Pod',name:'a',namespace:'d'},reason:'r',message:'m',count:2,series:{count:3,lastObservedTime:'2024-01-01T00:00:00Z'},source:{component:'c'}},
  Endpoints: {metadata:{name:'e',namespace:'d'},subsets:[{addresses:[{ip:'1.1.1.1'}],ports:[{port:80}]}]},
  PersistentVolumeClaim: {metadata:{name:'p',namespace:'d'},spec:{accessModes:['ReadWriteOnce'],resources:{requests:{storage:'1Gi'}},volumeName:'v'},status:{capacity:{storage:'1Gi'},accessModes:['ReadWriteOnce']}},
  StatefulSet: {metadata:{name:'a',namespace:'d'},spec:{selector:{matchLabels:{a:'b'}},template:{metadata:{labels:{a:'b'}},spec:{containers:[{name:'a',image:'x'}]}},volumeClaimTemplates:[{metadata:{name:'d'},spec:{accessModes:['ReadWriteOnce'],resources:{requests:{storage:'1Gi'}}}}],updateStrategy:{type:'RollingUpdate',rollingUpdate:{partition:1}}}},
  DaemonSet: {metadata:{name:'a',namespace:'d'},spec:{selector:{matchLabels:{a:'b'}},template:{metadata:{labels:{a:'b'}},spec:{nodeSelector:{a:'b'},containers:[{name:'a',image:'x'}]}},updateStrategy:{type:'RollingUpdate',rollingUpdate:{maxUnavailable:1}}}},
  ReplicaSet: {metadata:{name:'a',namespace:'d'},spec:{selector:{matchExpressions:[{key:'a',operator:'In',values:['b']}]},template:{metadata:{labels:{a:'b'}},spec:{containers:[{name:'a',image:'x'}]}}}},
  HorizontalPodAutoscaler: {metadata:{name:'a',namespace:'d'},spec:{scaleTargetRef:{kind:'Deployment',name:'a'},maxReplicas:3,metrics:[{type:'Pods',pods:{metric:{name:'m'},target:{type:'AverageValue',averageValue:'1'}}}],behavior:{scaleUp:{}}},status:{currentMetrics:[{type:'Pods',pods:{metric:{name:'m'},current:{averageValue:'1'}}}]}},
  PodDisruptionBudget: {metadata:{name:'a',namespace:'d'},spec:{minAvailable:1,selector:{matchLabels:{a:'b'}}}},
  Ingress: {metadata:{name:'a',namespace:'d'},spec:{tls:[{hosts:['a.b']}],rules:[{host:'a.b',http:{paths:[{path:'/',pathType:'Prefix',backend:{service:{name:'s',port:{number:80}}}}]}}]},status:{loadBalancer:{ingress:[{ip:'1.1.1.1'}]}}},
  Lease: {metadata:{name:'a',namespace:'d'},spec:{holderIdentity:'x',leaseDurationSeconds:10,renewTime:'2024-01-01T00:00:00.000000Z'}},
  EndpointSlice: {metadata:{name:'a',namespace:'d'},addressType:'IPv4',endpoints:[{addresses:['1.1.1.1'],conditions:{ready:true}}],ports:[{port:80}]},
  ServiceAccount: {metadata:{name:'a',namespace:'d'},secrets:[{name:'s'}]},
  CustomResourceDefinition: {metadata:{name:'as.b.c'},spec:{group:'b.c',scope:'Namespaced',names:{plural:'as',kind:'A'},versions:[{name:'v1',served:true,storage:true,additionalPrinterColumns:[{name:'X',type:'string',jsonPath:'.spec.x'}],schema:{openAPIV3Schema:{type:'object',properties:{spec:{type:'object',properties:{x:{type:'string',default:'y'},l:{type:'array',items:{type:'object',properties:{k:{type:'string'}}},'x-kubernetes-list-type':'map','x-kubernetes-list-map-keys':['k']}}}}}}}]}},
};
samples.A = { apiVersion: 'b.c/v1', kind: 'A', metadata: { name: 'a', namespace: 'd' }, spec: { x: 'a', l: [{ k: 'a' }] } };

const mutants: unknown[] = [null, 1, 'x', true, {}, [], [null], [1], { a: null }, -1, 1.5];

function paths(o: unknown, p: string[] = [], out: string[][] = []): string[][] {
  out.push(p);
  if (o && typeof o === 'object') for (const k of Object.keys(o)) paths((o as KubeObject)[k], [...p, k], out);
  return out;
}

function setAt(o: KubeObject, p: string[], v: unknown): void {
  let c = o;
  for (const k of p.slice(0, -1)) c = c[k];
  c[p[p.length - 1] ?? ''] = v;
}

describe('robustness against malformed objects', () => {
  it('never throws from defaulting, validation, strict checks, printing or field selection', () => {
    const strategies = [...builtinStrategies(), customResourceStrategy(structuredClone(samples.CustomResourceDefinition ?? {}), 'v1')];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let checked = 0;
    for (const s of strategies) {
      const base = samples[s.type.kind];
      assert.ok(base, `no sample for ${s.type.kind}`);
      const fieldPaths = paths(base).filter((p) => p.length > 0);
      for (let i = 0; i < 120; i++) {
        const obj = structuredClone(base);
        const p = fieldPaths[random(fieldPaths.length)] ?? [];
        const mutant = structuredClone(mutants[random(mutants.length)]);
        setAt(obj, p, mutant);
        const old = structuredClone(base);
        const what = `${s.type.kind} with ${p.join('.')} = ${JSON.stringify(mutant)}`;
        assert.doesNotThrow(() => {
          s.unknownFields(obj);
          s.default(obj);
          assert.ok(Array.isArray(s.validate(obj)));
          s.default(old);
          assert.ok(Array.isArray(s.validate(obj, old)));
          s.tableRow(obj, new Date());
          s.selectableFields(obj);
        }, what);
        checked++;
      }
    }
    assert.equal(checked, strategies.length * 120);
  });
});
