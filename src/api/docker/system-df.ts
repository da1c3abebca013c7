import type { Engine } from '../../engine/index.js';
import { containerSummary } from './container-shapes.js';
import { sendJson, type Router } from './http.js';
import { imageSummary } from './images.js';
import { volumeShape } from './volumes.js';

type Part = 'image' | 'container' | 'volume' | 'build-cache';

/**
 * `GET /system/df` (`docker system df`): images with the number of containers made from
 * each, containers, volumes with their size on disk and reference count. `type` narrows
 * what is computed, as in Docker (a volume's size means walking it). No build cache yet.
 */
export function systemDfRoutes(router: Router, engine: Engine): void {
  router.add('GET', /^\/system\/df$/, async ({ res, query }) => {
    const asked = query.getAll('type');
    const wants = (part: Part): boolean => asked.length === 0 || asked.includes(part);
    const containers = wants('image') || wants('container') ? await engine.containers.list({ all: true }) : [];
    const images = wants('image') ? await engine.images.list() : [];
    const usage = wants('volume') ? await engine.volumes.usage() : [];
    const volumes = wants('volume') ? await engine.volumes.list() : [];
    const usageOf = new Map(usage.map((u) => [u.name, u]));
    sendJson(res, 200, {
      LayersSize: images.reduce((sum, i) => sum + i.size, 0),
      Images: images.map((i) => ({ ...imageSummary(i), Containers: containers.filter((c) => c.imageId === i.id).length })),
      Containers: wants('container') ? containers.map((c) => ({ ...containerSummary(c), SizeRw: 0, SizeRootFs: 0 })) : [],
      Volumes: volumes.map((v) => ({ ...volumeShape(v), UsageData: { Size: usageOf.get(v.name)?.size ?? -1, RefCount: usageOf.get(v.name)?.refCount ?? 0 } })),
      BuildCache: [],
    });
  });
}
