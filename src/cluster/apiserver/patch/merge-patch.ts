/** JSON merge patch (RFC 7386): null deletes, objects merge, everything else replaces. */
import { clone, isObject, type JsonObject } from './meta.js';

/** Returns a new document; neither argument is modified nor shared with the result. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  return mergeInto(clone(doc), patch);
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergeInto(result[key], value);
    }
  }
  return result;
}
