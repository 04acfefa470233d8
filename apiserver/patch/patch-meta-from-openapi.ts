/**
 * Patch metadata read off the OpenAPI schemas (apiserver/openapi/schemas.ts and the group files spread into
 * it) for kinds the hand-written PATCH_META table does not describe: the same facts kube's strategic merge
 * patch takes from the Go struct tags, which kube publishes as `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type`. So a Deployment's `spec.template.spec.containers` merges by name as a Pod's does,
 * and every kind that registers a schema gets its patch strategies without a second table.
 *
 * `patchSchemaFor(apiVersion, kind)` prefers PATCH_META, then the derived schema, then the generic one.
 */
import { KINDS_BY_GROUP_VERSION, SCHEMAS, refName, resolveSchema, type GroupVersion, type Schema } from '../openapi/schemas.ts';
import { PATCH_META, deduced, genericObjectSchema, objectMetaSchema, scalar, type ListSchema, type ListType, type StructSchema, type TypeSchema } from './patch-meta.ts';

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Definition name -> converted schema (filled in place, so recursive definitions terminate). */
const byDefinition = new Map<string, TypeSchema>();
const roots = new Map<string, StructSchema | undefined>();

function convertDefinition(name: string): TypeSchema {
  const known = byDefinition.get(name);
  if (known) return known;
  const def = SCHEMAS[name];
  if (!def) return deduced;
  if (name === 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') {
    byDefinition.set(name, objectMetaSchema);
    return objectMetaSchema;
  }
  if (isObject(def.properties)) {
    // Register the struct before converting its fields.
    const struct: StructSchema = { kind: 'struct', fields: {} };
    if (def['x-kubernetes-map-type'] === 'atomic') struct.atomic = true;
    byDefinition.set(name, struct);
    for (const [field, s] of Object.entries(def.properties)) if (isObject(s)) struct.fields[field] = convert(s);
    return struct;
  }
  const converted = convertInline(def);
  byDefinition.set(name, converted);
  return converted;
}

/** A field's schema: a (wrapped) reference with its sibling tags, or an inline schema. */
function convert(s: Schema): TypeSchema {
  const name = refName(s);
  if (name === undefined) return convertInline(s);
  const target = convertDefinition(name);
  const strategy = s['x-kubernetes-patch-strategy'];
  const atomic = s['x-kubernetes-map-type'] === 'atomic';
  if ((typeof strategy === 'string' || atomic) && (target.kind === 'struct' || target.kind === 'map')) {
    return { ...target, ...(typeof strategy === 'string' ? { patchStrategy: strategy } : {}), ...(atomic ? { atomic: true } : {}) };
  }
  return target;
}

function convertInline(s: Schema): TypeSchema {
  if (s.type === 'array') {
    const items = isObject(s.items) ? convert(s.items) : deduced;
    const listType = s['x-kubernetes-list-type'];
    const list: ListSchema = { kind: 'list', items, listType: listType === 'set' || listType === 'map' ? (listType as ListType) : 'atomic' };
    const keys = s['x-kubernetes-list-map-keys'];
    if (Array.isArray(keys)) list.listMapKeys = keys.map(String);
    if (typeof s['x-kubernetes-patch-strategy'] === 'string') list.patchStrategy = s['x-kubernetes-patch-strategy'];
    if (typeof s['x-kubernetes-patch-merge-key'] === 'string') list.patchMergeKey = s['x-kubernetes-patch-merge-key'];
    const item = isObject(s.items) ? resolveSchema(s.items) : undefined;
    const itemProps = item?.properties;
    if (list.listMapKeys && isObject(itemProps)) {
      // Defaults of the optional keys (`+default="TCP"` on ports[].protocol); required keys are always sent.
      const required = Array.isArray(item?.required) ? item.required : [];
      const defaults: Record<string, string | number> = {};
      for (const k of list.listMapKeys) {
        if (required.includes(k)) continue;
        const d = isObject(itemProps[k]) ? (itemProps[k] as Schema).default : undefined;
        if (typeof d === 'string' || typeof d === 'number') defaults[k] = d;
      }
      if (Object.keys(defaults).length) list.keyDefaults = defaults;
    }
    return list;
  }
  if (s.type === 'object' || s.properties !== undefined || s.additionalProperties !== undefined) {
    if (isObject(s.properties)) {
      const struct: StructSchema = { kind: 'struct', fields: {} };
      if (s['x-kubernetes-map-type'] === 'atomic') struct.atomic = true;
      for (const [field, p] of Object.entries(s.properties)) if (isObject(p)) struct.fields[field] = convert(p);
      return struct;
    }
    if (isObject(s.additionalProperties)) {
      return s['x-kubernetes-map-type'] === 'atomic' ? { kind: 'map', values: convert(s.additionalProperties), atomic: true } : { kind: 'map', values: convert(s.additionalProperties) };
    }
    return deduced;
  }
  return scalar;
}

/** The root patch schema of a kind derived from its OpenAPI definition, if one is registered. */
export function patchMetaFromOpenApi(apiVersion: string, kind: string): StructSchema | undefined {
  const key = `${apiVersion}/${kind}`;
  if (roots.has(key)) return roots.get(key);
  // The kind of exactly that group-version (schemaNameFor would search every group for an unknown one).
  const kinds = typeof apiVersion === 'string' && Object.hasOwn(KINDS_BY_GROUP_VERSION, apiVersion) ? KINDS_BY_GROUP_VERSION[apiVersion as GroupVersion] : undefined;
  const name = kinds && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  const converted = name !== undefined && SCHEMAS[name] ? convertDefinition(name) : undefined;
  const root = converted?.kind === 'struct' ? { ...converted, fields: { ...converted.fields, metadata: objectMetaSchema }, zero: {} } : undefined;
  roots.set(key, root);
  return root;
}

/** The schema strategic merge patch uses for a kind: PATCH_META, else derived from OpenAPI, else generic. */
export function patchSchemaFor(apiVersion: string | undefined, kind: string | undefined): StructSchema {
  const key = `${apiVersion ?? ''}/${kind ?? ''}`;
  return PATCH_META[key] ?? (typeof apiVersion === 'string' && typeof kind === 'string' ? patchMetaFromOpenApi(apiVersion, kind) : undefined) ?? genericObjectSchema;
}
