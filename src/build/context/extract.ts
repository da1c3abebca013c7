import type { Readable } from 'node:stream';
import { unavailable } from '../../lib/index.js';
import type { BuildContextDir } from './index.js';

export function extractContext(tar: Readable, dir: string): Promise<BuildContextDir> {
  tar.destroy();
  return Promise.reject(unavailable(`extracting a context into ${dir} is not implemented yet`));
}
