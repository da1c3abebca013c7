import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resources.js';
import { openapiV3Document } from './types/index.js';

interface Rendered {
  body: string;
  hash: string;
}

/**
 * `/openapi/v3` and its group-version documents, rendered once per set of served resources
 * (the registry's generation) and addressed by content hash, as Kubernetes does, so
 * clients can cache them for good.
 */
export class OpenApiV3 {
  private generation = -1;
  private docs = new Map<string, Rendered>();

  constructor(private readonly registry: ResourceRegistry) {}

  /** The path of a group version's document: `api/v1` or `apis/apps/v1`. */
  static pathOf(group: string, version: string): string {
    return group ? `apis/${group}/${version}` : `api/${version}`;
  }

  index(): Record<string, unknown> {
    this.refresh();
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, doc] of this.docs) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
    return { paths };
  }

  document(path: string): Rendered | undefined {
    this.refresh();
    return this.docs.get(path);
  }

  /** The index names every document's hash, so all are rendered when the resources change. */
  private refresh(): void {
    if (this.generation === this.registry.generation) return;
    this.docs.clear();
    for (const g of this.registry.groupVersions()) {
      for (const version of g.versions) {
        const doc = openapiV3Document(g.group, version, this.registry.resourcesOf(g.group, version));
        const body = JSON.stringify(doc);
        this.docs.set(OpenApiV3.pathOf(g.group, version), { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
      }
    }
    this.generation = this.registry.generation;
  }
}
