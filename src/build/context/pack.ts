import type { Readable } from 'node:stream';
import { unavailable } from '../../lib/index.js';
import type { IgnoreMatcher } from './index.js';

/** A Dockerfile the CLI adds to the context (`-f -`, or a Dockerfile outside the context). */
export interface PackExtra {
  dockerfile?: { name: string; content: Buffer };
}

export function packContext(dir: string, ignore: IgnoreMatcher, extra?: PackExtra): Readable {
  throw unavailable(`packing ${dir} is not implemented yet (${ignore.patterns.length} patterns, ${extra ? 'extra' : 'none'})`);
}
