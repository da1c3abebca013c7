/**
 * Builds a Strategy from a kind's definition: its discovery facts, schema, name rule,
 * defaulting, kind-specific validation, selectable fields and printer.
 */
import { Causes } from './causes.js';
import { describeStrategy } from './described.js';
import { age } from './duration.js';
import type { FieldCause, KubeObject, ResourceType, Strategy, TableColumn } from './index.js';
import { type NameCheck, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { canonicalizeQuantities, type ObjectSchema, patchMetaOf, typeErrors, unknownFieldPaths } from './schema.js';

export interface KindDefinition {
  type: ResourceType;
  schema: ObjectSchema;
  nameCheck: NameCheck;
  default?(obj: KubeObject): void;
  /** Kind-specific checks; `old` is set on update. */
  validate?(obj: KubeObject, causes: Causes, old?: KubeObject): void;
  /** Selectable fields beyond metadata.name and metadata.namespace. */
  fields?(obj: KubeObject): Record<string, string>;
  /** Columns after NAME (AGE included where the kind's printer has it); without a printer: NAME and CREATED AT. */
  printer?: { columns: TableColumn[]; cells(obj: KubeObject, now: Date): unknown[]; noName?: boolean };
  scale?: Strategy['scale'];
}

export const column = (name: string, type: string, description: string, priority = 0, format = ''): TableColumn => ({ name, type, format, description, priority });

export const nameColumn = column('Name', 'string', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'name');
export const ageColumn = column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.');

export function resourceType(t: Omit<ResourceType, 'listKind' | 'singular' | 'hasStatus' | 'usesGeneration' | 'categories' | 'shortNames' | 'verbs' | 'subresources'> & Partial<ResourceType>): ResourceType {
  const subresources = t.subresources ?? [];
  return {
    listKind: `${t.kind}List`,
    singular: t.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    hasStatus: subresources.includes('status'),
    usesGeneration: false,
    ...t,
    subresources,
  };
}

export function makeStrategy(def: KindDefinition): Strategy {
  const { type } = def;
  const columns = def.printer ? [...(def.printer.noName ? [] : [nameColumn]), ...def.printer.columns] : [nameColumn, column('Created At', 'date', ageColumn.description)];
  const strategy: Strategy = {
    type,
    // Defaulting trusts the JSON types; an object with type errors is left as it is for validate() to refuse.
    default: (obj) => {
      if (typeErrors(def.schema, obj).length > 0) return;
      def.default?.(obj);
      canonicalizeQuantities(def.schema, obj);
    },
    validate(obj, old): FieldCause[] {
      const causes = new Causes();
      for (const e of typeErrors(def.schema, obj)) {
        causes.typeInvalid(e.path.slice(1), e.value, `must be of type ${e.expected}`);
      }
      if (causes.list.length > 0) return causes.list;
      validateObjectMeta(obj.metadata, { namespaced: type.namespaced, nameCheck: def.nameCheck }, causes);
      if (old) validateObjectMetaUpdate(obj.metadata, old.metadata, causes);
      def.validate?.(obj, causes, old);
      return causes.list;
    },
    unknownFields: (obj) => unknownFieldPaths(def.schema, obj),
    selectableFields(obj) {
      const base: Record<string, string> = { 'metadata.name': String(obj.metadata?.name ?? '') };
      if (type.namespaced) base['metadata.namespace'] = String(obj.metadata?.namespace ?? '');
      return { ...base, ...def.fields?.(obj) };
    },
    tableColumns: columns,
    tableRow(obj, now) {
      const name = String(obj.metadata?.name ?? '');
      if (!def.printer) return [name, String(obj.metadata?.creationTimestamp ?? '')];
      return [...(def.printer.noName ? [] : [name]), ...def.printer.cells(obj, now)];
    },
    patchMeta: patchMetaOf(def.schema),
  };
  if (def.scale) strategy.scale = def.scale;
  describeStrategy(strategy, { kind: 'builtin', schema: def.schema });
  return strategy;
}

/** A string of a possibly missing field, '' when absent. */
export const s = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
/** A number of a possibly missing field, 0 when absent. */
export const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
/** Ensures an object exists at obj[key] and returns it. */
export function ensure(obj: KubeObject, key: string): KubeObject {
  if (!obj[key] || typeof obj[key] !== 'object' || Array.isArray(obj[key])) obj[key] = {};
  return obj[key] as KubeObject;
}
/** The object elements of a possibly missing list. */
export const arr = (v: unknown): KubeObject[] => (Array.isArray(v) ? (v as unknown[]).filter((x): x is KubeObject => typeof x === 'object' && x !== null && !Array.isArray(x)) : []);
/** The elements of a possibly missing list of scalars. */
export const values = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Structural equality of two JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** The AGE cell of an object. */
export const created = (obj: KubeObject, now: Date): string => age(obj.metadata?.creationTimestamp, now);
