/** Shared fixtures for the type system's tests. */
import { builtinStrategies, type FieldCause, type KubeObject, type Strategy } from './index.js';

const all = builtinStrategies();

export function strategyFor(group: string, kind: string): Strategy {
  const s = all.find((x) => x.type.group === group && x.type.kind === kind);
  if (!s) throw new Error(`no strategy for ${group}/${kind}`);
  return s;
}

/** Defaults then validates a fresh object, as the server does on create. */
export function createCauses(s: Strategy, obj: KubeObject): FieldCause[] {
  s.default(obj);
  return s.validate(obj);
}

/** `field: message` lines, the way a 422 Status lists them. */
export const lines = (causes: FieldCause[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

export const podBody = (extra: KubeObject = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }], ...extra },
});

export const deploymentBody = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
  },
});
