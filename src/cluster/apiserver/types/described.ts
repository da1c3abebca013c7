/**
 * What the OpenAPI documents need to know about a Strategy beyond its interface: the schema
 * it was built from (built-in) or the CRD schema (custom resources).
 */
import type { KubeObject, Strategy } from './index.js';
import type { ObjectSchema } from './schema.js';

export type StrategySource = { kind: 'builtin'; schema: ObjectSchema } | { kind: 'custom'; schema: KubeObject | undefined };

const sources = new WeakMap<Strategy, StrategySource>();

export function describeStrategy(strategy: Strategy, source: StrategySource): void {
  sources.set(strategy, source);
}

export function sourceOf(strategy: Strategy): StrategySource | undefined {
  return sources.get(strategy);
}
