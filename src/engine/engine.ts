import fs from 'node:fs';
import { openContent } from '../content/index.js';
import { Snapshotter } from '../layers/index.js';
import { LocalImageService } from './images/service.js';
import type { ImageService } from './images/types.js';

export interface EngineOptions {
  /** Where images, containers and metadata live (`/var/lib/berth`). */
  root: string;
}

/** The engine's one public face: what the API adapters and the cluster agent drive. */
export interface Engine {
  readonly root: string;
  readonly images: ImageService;
  close(): Promise<void>;
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  fs.mkdirSync(options.root, { recursive: true, mode: 0o711 });
  const content = await openContent(options.root);
  const snapshots = await Snapshotter.open(options.root);
  const images = new LocalImageService(content, snapshots);
  return {
    root: options.root,
    images,
    close: async () => {
      snapshots.close();
      await content.close();
    },
  };
}
