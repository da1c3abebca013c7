import { unavailable } from '../../lib/index.js';
import type { CopyResult, CopySpec } from './index.js';

export function copySources(spec: CopySpec): Promise<CopyResult> {
  return Promise.reject(unavailable(`${spec.kind} is not implemented yet`));
}

export function digestSources(spec: CopySpec): Promise<string> {
  return Promise.reject(unavailable(`${spec.kind} digests are not implemented yet`));
}
