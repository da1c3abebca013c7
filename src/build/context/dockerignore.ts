import { unavailable } from '../../lib/index.js';
import type { IgnoreMatcher } from './index.js';

export function loadDockerignore(text: string): IgnoreMatcher {
  throw unavailable(`.dockerignore support is not implemented yet (${text.length} bytes)`);
}
