import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigUser {
  name: string;
  token?: string;
  clientCertificate?: string;
  clientKey?: string;
}

/** A kubeconfig with one cluster, one user and one context named `berth`, certificates embedded. */
export function kubeconfigYaml(server: string, caPem: string, user: KubeconfigUser): string {
  const credentials: Record<string, string> = {};
  if (user.token) credentials.token = user.token;
  if (user.clientCertificate) credentials['client-certificate-data'] = Buffer.from(user.clientCertificate).toString('base64');
  if (user.clientKey) credentials['client-key-data'] = Buffer.from(user.clientKey).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'berth', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: user.name, user: credentials }],
    contexts: [{ name: 'berth', context: { cluster: 'berth', user: user.name } }],
    'current-context': 'berth',
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, yaml: string): Promise<void> {
  await writeFile(path, yaml, { mode: 0o600 });
}
