import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, listAttributesSync } from 'fs-xattr';

/** overlayfs marks a directory opaque (lower content hidden) with this attribute. */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

/** An overlayfs whiteout: a character device 0/0. */
export function isOverlayWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

export interface LowerEntry {
  /** Absolute path in the topmost layer that provides the entry. */
  path: string;
  stats: Stats;
}

/**
 * Looks paths up in the merged view of committed layer directories (topmost first) the way
 * overlayfs does with redirect_dir off, without mounting them: the topmost entry wins, a
 * whiteout hides the name, a non-directory ends the stack beneath it, an opaque directory
 * hides the directories beneath it. Only directories found by lstat are descended into,
 * so a link inside a layer is never followed.
 */
export class LowerView {
  constructor(private readonly layers: readonly string[]) {}

  /** The entry at `rel` ('a/b', not the root) in the merged view, or undefined. */
  lookup(rel: string): LowerEntry | undefined {
    let active = this.layers;
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join('/');
      const below: string[] = [];
      let top: LowerEntry | undefined;
      for (const layer of active) {
        const path = join(layer, prefix);
        const stats = lstatSync(path, { throwIfNoEntry: false });
        if (stats === undefined) continue;
        if (top === undefined) {
          if (isOverlayWhiteout(stats)) return undefined;
          top = { path, stats };
          if (i === parts.length - 1) return top;
          if (!stats.isDirectory()) return undefined;
        } else if (!stats.isDirectory()) {
          break;
        }
        below.push(layer);
        if (isOpaque(path)) break;
      }
      if (top === undefined) return undefined;
      active = below;
    }
    return undefined;
  }

  /** Names in the merged root; the root itself is never opaque to overlayfs. */
  rootNames(): string[] {
    const seen = new Set<string>();
    const visible: string[] = [];
    for (const layer of this.layers) {
      for (const name of readdirSync(layer)) {
        if (seen.has(name)) continue;
        seen.add(name);
        if (!isOverlayWhiteout(lstatSync(join(layer, name)))) visible.push(name);
      }
    }
    return visible.sort();
  }
}

/** Whether directory `path` (lstat-checked by the caller) carries overlayfs' opaque mark. */
function isOpaque(path: string): boolean {
  if (!listAttributesSync(path).includes(OVERLAY_OPAQUE_XATTR)) return false;
  return getAttributeSync(path, OVERLAY_OPAQUE_XATTR).toString() === 'y';
}
