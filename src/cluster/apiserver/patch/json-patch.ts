/**
 * JSON patch (RFC 6902) with the messages Kubernetes answers: its API server applies JSON
 * patches with evanphx/json-patch v4, whose error texts clients (and people) see verbatim.
 */
import { BerthError } from '../../../lib/errors.js';
import { clone, deepEqual, isObject, type JsonObject } from './meta.js';

/** Kubernetes refuses JSON patches with more operations than this. */
export const maxJsonPatchOperations = 10000;

/** A JSON patch that does not decode or apply; `opIndex` and `path` locate the culprit
 *  (Kubernetes answers 400 for a patch that does not decode and 422 for one that does not
 *  apply: `stage` tells them apart). */
export class JsonPatchError extends BerthError {
  readonly opIndex: number | undefined;
  readonly path: string | undefined;
  readonly stage: 'decode' | 'apply';

  constructor(message: string, stage: 'decode' | 'apply', opIndex?: number, path?: string) {
    super('invalid-argument', message);
    this.name = 'JsonPatchError';
    this.stage = stage;
    this.opIndex = opIndex;
    this.path = path;
  }
}

type Container = JsonObject | unknown[];

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

function decodeOps(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    throw new JsonPatchError(
      `json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`,
      'decode',
    );
  }
  if (ops.length > maxJsonPatchOperations) {
    throw new JsonPatchError(
      `The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${ops.length}`,
      'decode',
    );
  }
  return ops.map((raw, i): Operation => {
    if (!isObject(raw)) {
      throw new JsonPatchError(
        `json: cannot unmarshal ${jsonKind(raw)} into Go value of type jsonpatch.Operation (operation ${i})`,
        'decode',
        i,
      );
    }
    const op = typeof raw.op === 'string' ? raw.op : 'unknown';
    const path = raw.path;
    if (typeof path !== 'string') {
      throw new JsonPatchError(`${op} operation failed to decode path: missing value`, 'apply', i);
    }
    const from = raw.from;
    if ((op === 'move' || op === 'copy') && typeof from !== 'string') {
      throw new JsonPatchError(`${op} operation failed to decode from: missing value`, 'apply', i, path);
    }
    const hasValue = Object.hasOwn(raw, 'value');
    if ((op === 'add' || op === 'replace' || op === 'test') && !hasValue) {
      throw new JsonPatchError(`${op} operation has no value for path: '${path}'`, 'apply', i, path);
    }
    return { op, path, from: typeof from === 'string' ? from : undefined, value: raw.value, hasValue };
  });
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function decodeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Splits a JSON pointer into its parent tokens and last token; undefined for '' (the root). */
function splitPointer(pointer: string): { parents: string[]; key: string } | undefined {
  if (pointer === '') return undefined;
  if (!pointer.startsWith('/')) return { parents: [], key: '\0invalid' };
  const tokens = pointer.slice(1).split('/').map(decodeToken);
  const key = tokens.pop() as string;
  return { parents: tokens, key };
}

function childOf(c: Container, token: string): unknown {
  if (Array.isArray(c)) {
    const idx = arrayIndex(token, c.length);
    return idx === undefined || idx >= c.length ? undefined : c[idx];
  }
  return Object.hasOwn(c, token) ? c[token] : undefined;
}

/** Resolves an index token the way Kubernetes' json-patch does: decimal, negative counts
 *  from the end. */
function arrayIndex(token: string, length: number): number | undefined {
  if (!/^-?[0-9]+$/.test(token)) return undefined;
  const n = Number(token);
  if (n < 0) return n < -length ? undefined : n + length;
  return n;
}

/** The container that holds the last token of `pointer`, or undefined when a parent is
 *  missing or is not a container. */
function findContainer(doc: Container, pointer: string): { con: Container; key: string } | undefined {
  const split = splitPointer(pointer);
  if (split === undefined || split.key === '\0invalid') return undefined;
  let cur: unknown = doc;
  for (const token of split.parents) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = childOf(cur, token);
  }
  if (!isObject(cur) && !Array.isArray(cur)) return undefined;
  return { con: cur, key: split.key };
}

class ApplyFailure extends Error {}

function fail(message: string): never {
  throw new ApplyFailure(message);
}

/** The value at `key`; undefined for a missing object key (the operation using it decides). */
function get(con: Container, key: string): unknown {
  if (Array.isArray(con)) return con[checkedIndex(con, key)];
  return Object.hasOwn(con, key) ? con[key] : undefined;
}

function checkedIndex(con: unknown[], key: string): number {
  const idx = arrayIndex(key, con.length);
  if (idx === undefined) fail(`strconv.Atoi: parsing "${key}": invalid syntax`);
  if (idx >= con.length) fail(`Unable to access invalid index: ${key}: invalid index referenced`);
  return idx;
}

function add(con: Container, key: string, value: unknown): void {
  if (Array.isArray(con)) {
    if (key === '-') {
      con.push(value);
      return;
    }
    const idx = arrayIndex(key, con.length + 1);
    if (idx === undefined) fail(`value was not a proper array index: '${key}': strconv.Atoi: parsing "${key}": invalid syntax`);
    if (idx > con.length) fail(`Unable to access invalid index: ${key}: invalid index referenced`);
    con.splice(idx, 0, value);
    return;
  }
  con[key] = value;
}

function remove(con: Container, key: string): void {
  if (Array.isArray(con)) {
    con.splice(checkedIndex(con, key), 1);
    return;
  }
  if (!Object.hasOwn(con, key)) fail(`Unable to remove nonexistent key: ${key}: missing value`);
  delete con[key];
}

function set(con: Container, key: string, value: unknown): void {
  if (Array.isArray(con)) con[checkedIndex(con, key)] = value;
  else con[key] = value;
}

/** Applies one operation to `root` in place and returns the (possibly new) root. */
function applyOne(root: Container, op: Operation): Container {
  const { path } = op;
  switch (op.op) {
    case 'add': {
      if (path === '') return asContainer(clone(op.value), 'add');
      const at = findContainer(root, path);
      if (!at) fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
      try {
        add(at.con, at.key, clone(op.value));
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error in add for path: '${path}': ${err.message}`);
        throw err;
      }
      return root;
    }
    case 'remove': {
      const at = findContainer(root, path);
      if (!at) fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      try {
        remove(at.con, at.key);
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error in remove for path: '${path}': ${err.message}`);
        throw err;
      }
      return root;
    }
    case 'replace': {
      if (path === '') return asContainer(clone(op.value), 'replace');
      const at = findContainer(root, path);
      if (!at) fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      // Kubernetes' json-patch (v4) lets replace set a missing object key; only a missing
      // array index fails.
      if (Array.isArray(at.con) && childOf(at.con, at.key) === undefined) {
        fail(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      }
      set(at.con, at.key, clone(op.value));
      return root;
    }
    case 'move': {
      const from = op.from as string;
      if (from === '') fail('unable to move entire document to another path: invalid value');
      if (path === from) return root;
      if (path.startsWith(`${from}/`)) fail(`move operation does not apply: path ${path} is inside from path ${from}`);
      const src = findContainer(root, from);
      if (!src) fail(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      let value: unknown;
      try {
        value = get(src.con, src.key);
        remove(src.con, src.key);
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error in move for path: '${src.key}': ${err.message}`);
        throw err;
      }
      const dst = findContainer(root, path);
      if (!dst) fail(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
      try {
        add(dst.con, dst.key, value);
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error in move for path: '${path}': ${err.message}`);
        throw err;
      }
      return root;
    }
    case 'copy': {
      const from = op.from as string;
      const src = from === '' ? undefined : findContainer(root, from);
      if (from !== '' && !src) fail(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      let value: unknown;
      try {
        value = src ? get(src.con, src.key) : root;
        if (value === undefined) fail(`Unable to copy nonexistent key: ${src?.key ?? ''}: missing value`);
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error in copy for from: '${from}': ${err.message}`);
        throw err;
      }
      const dst = findContainer(root, path);
      if (!dst) fail(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
      try {
        add(dst.con, dst.key, clone(value));
      } catch (err) {
        if (err instanceof ApplyFailure) fail(`error while adding value during copy: ${err.message}`);
        throw err;
      }
      return root;
    }
    case 'test': {
      let actual: unknown;
      if (path === '') {
        actual = root;
      } else {
        const at = findContainer(root, path);
        if (!at) fail(`test operation does not apply: is missing path: ${path}: missing value`);
        actual = childOf(at.con, at.key);
      }
      // A missing value tests equal to null, as in Kubernetes.
      const expected = op.value;
      const ok = actual === undefined ? expected === null : deepEqual(actual, expected);
      if (!ok) fail(`testing value ${path} failed: test failed`);
      return root;
    }
    default:
      fail(`Unexpected kind: ${op.op}`);
  }
}

function asContainer(v: unknown, op: string): Container {
  if (isObject(v) || Array.isArray(v)) return v;
  return fail(`${op} operation value must be object or array`);
}

/** Applies an RFC 6902 patch to a copy of `doc`; throws JsonPatchError (invalid argument)
 *  naming the operation's index and path, leaving `doc` untouched. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  const decoded = decodeOps(ops);
  if (!isObject(doc) && !Array.isArray(doc)) {
    throw new JsonPatchError(`cannot apply a JSON patch to a ${jsonKind(doc)}`, 'apply');
  }
  let root = clone(doc) as Container;
  decoded.forEach((op, i) => {
    try {
      root = applyOne(root, op);
    } catch (err) {
      if (err instanceof ApplyFailure) throw new JsonPatchError(err.message, 'apply', i, op.path);
      throw err;
    }
  });
  return root;
}
