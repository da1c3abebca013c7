/**
 * Sets of field paths as structured-merge-diff keeps them for managedFields. A path is a list
 * of elements: `f:<field>`, `k:<json of the key fields>` (an element of an associative list),
 * `v:<json>` (an element of a set list) and `i:<index>`. FieldsV1 is the nested-object form
 * Kubernetes stores: each element a key, `{}` a member leaf, `.` marking a member that also
 * has members below it.
 */
import { invalidArgument } from '../../../lib/errors.js';
import { isObject, type JsonObject } from './meta.js';

export type FieldPath = readonly string[];

export class FieldSet {
  private readonly paths: Map<string, FieldPath>;

  constructor(paths: Iterable<FieldPath> = []) {
    this.paths = new Map();
    for (const p of paths) this.add(p);
  }

  private static of(entries: Iterable<[string, FieldPath]>): FieldSet {
    const set = new FieldSet();
    for (const [k, p] of entries) set.paths.set(k, p);
    return set;
  }

  add(path: FieldPath): void {
    this.paths.set(keyOf(path), path);
  }

  has(path: FieldPath): boolean {
    return this.paths.has(keyOf(path));
  }

  get size(): number {
    return this.paths.size;
  }

  [Symbol.iterator](): Iterator<FieldPath> {
    return this.paths.values();
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths, ...other.paths]);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths].filter(([k]) => !other.paths.has(k)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths].filter(([k]) => other.paths.has(k)));
  }

  /** Whether the set holds `path` or a path below it. */
  hasAtOrBelow(path: FieldPath): boolean {
    for (const p of this.paths.values()) if (startsWith(p, path)) return true;
    return false;
  }

  /** The set without `prefix` and every path below it. */
  withoutSubtree(prefix: FieldPath): FieldSet {
    return FieldSet.of([...this.paths].filter(([, p]) => !startsWith(p, prefix)));
  }

  /** The set without the given paths and everything below them. */
  withoutSubtrees(prefixes: FieldSet): FieldSet {
    if (prefixes.size === 0) return this;
    return FieldSet.of([...this.paths].filter(([, p]) => !p.some((_, i) => prefixes.paths.has(keyOf(p.slice(0, i + 1))))));
  }
}

/** A path's map key: its elements joined by NUL. Elements never start with a control
 *  character, so a path whose elements hold a NUL themselves is keyed by its JSON behind a
 *  marker no joined key starts with. */
function keyOf(path: FieldPath): string {
  for (const e of path) if (e.includes('\u0000')) return `\u0001${JSON.stringify(path)}`;
  return path.join('\u0000');
}

export function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((e, i) => path[i] === e);
}

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

export function toFieldsV1(set: FieldSet): JsonObject {
  const root: Node = { member: false, children: new Map() };
  for (const path of set) {
    let node = root;
    for (const element of path) {
      let next = node.children.get(element);
      if (!next) {
        next = { member: false, children: new Map() };
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }
  return encodeNode(root);
}

const elementOrder = ['f', 'k', 'v', 'i'];

function encodeNode(node: Node): JsonObject {
  const out: JsonObject = {};
  if (node.member && node.children.size > 0) out['.'] = {};
  const keys = [...node.children.keys()].sort((a, b) => {
    const ta = elementOrder.indexOf(a[0] ?? '');
    const tb = elementOrder.indexOf(b[0] ?? '');
    if (ta !== tb) return ta - tb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  for (const key of keys) out[key] = encodeNode(node.children.get(key) as Node);
  return out;
}

/** Decodes FieldsV1; throws invalid argument naming the offending element. */
export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: string[]): void => {
    if (!isObject(node)) throw invalidArgument(`invalid FieldsV1 at ${JSON.stringify(path)}: not an object`);
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (path.length > 0) set.add(path);
      return;
    }
    for (const key of keys) {
      if (key === '.') {
        if (path.length > 0) set.add(path);
        continue;
      }
      if (!validElement(key)) throw invalidArgument(`invalid FieldsV1 element ${JSON.stringify(key)}`);
      walk(node[key], [...path, key]);
    }
  };
  walk(fields, []);
  return set;
}

function validElement(element: string): boolean {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'f:':
      return true;
    case 'i:':
      return /^[0-9]+$/.test(body);
    case 'k:':
    case 'v:':
      try {
        const value: unknown = JSON.parse(body);
        return element[0] === 'v' || isObject(value);
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/** The path as Kubernetes prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
