import type { ContainerConfig as ImageExecConfig } from '../../oci/index.js';
import { proxyArgNames, type StageScope } from '../dockerfile/index.js';

const envKey = (entry: string): string => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);

/**
 * The build args a RUN sees (moby's FilterAllowed): declared ARGs with a value and proxy
 * args given with --build-arg, less what ENV sets. `shown` is what its history records
 * after `|N`: not the proxy args nobody declared, which stay out of history and cache key.
 */
export function runBuildArgs(scope: StageScope, config: ImageExecConfig): { env: string[]; shown: string[] } {
  const declared = new Set(scope.declaredArgs());
  const configKeys = new Set((config.Env ?? []).map(envKey));
  const env: string[] = [];
  const shown: string[] = [];
  for (const [k, v] of Object.entries(scope.runEnv())) {
    if (configKeys.has(k) || !(declared.has(k) || proxyArgNames.has(k))) continue;
    env.push(`${k}=${v}`);
    if (declared.has(k) || !proxyArgNames.has(k)) shown.push(`${k}=${v}`);
  }
  return { env, shown: shown.sort() };
}
