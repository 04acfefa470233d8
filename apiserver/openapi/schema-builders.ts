/**
 * The builders and name prefixes every schema file uses (schemas.ts and the per-group files such as
 * schemas-apps.ts that it spreads into SCHEMAS). Kept apart so those files can import them without an import
 * cycle through schemas.ts.
 */
export type Schema = { [keyword: string]: unknown };

export const REF_PREFIX = '#/components/schemas/';
export const CORE = 'io.k8s.api.core.v1.';
export const COORD = 'io.k8s.api.coordination.v1.';
export const CERTS = 'io.k8s.api.certificates.v1.';
export const RBAC = 'io.k8s.api.rbac.v1.';
export const AUTHZ = 'io.k8s.api.authorization.v1.';
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

// ---- builders ----

export interface ListExt {
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
  mergeKey?: string;
  strategy?: string;
}

export const ext = (e: ListExt = {}): Schema => {
  const s: Schema = {};
  if (e.mapKeys) s['x-kubernetes-list-map-keys'] = e.mapKeys;
  if (e.listType) s['x-kubernetes-list-type'] = e.listType;
  if (e.mergeKey) s['x-kubernetes-patch-merge-key'] = e.mergeKey;
  if (e.strategy) s['x-kubernetes-patch-strategy'] = e.strategy;
  return s;
};

export const refTo = (name: string): Schema => ({ $ref: `${REF_PREFIX}${name}` });

/** A property referring to another definition. Object definitions default to {} as kube publishes. */
export function ref(name: string, description: string, extra: Schema = {}): Schema {
  return { allOf: [refTo(name)], description, ...extra };
}

/** Like ref() for struct-valued fields (kube adds `default: {}` when the Go field is not a pointer). */
export function refV(name: string, description: string, extra: Schema = {}): Schema {
  return { allOf: [refTo(name)], default: {}, description, ...extra };
}

export const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
export const strDef = (description: string, extra: Schema = {}): Schema => ({ type: 'string', default: '', description, ...extra });
export const int32 = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', format: 'int32', description, ...extra });
export const int64 = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', format: 'int64', description, ...extra });
export const bool = (description: string, extra: Schema = {}): Schema => ({ type: 'boolean', description, ...extra });
export const time = (description: string): Schema => ref(`${META}Time`, description);
export const microTime = (description: string): Schema => ref(`${META}MicroTime`, description);

/** A string enum, described the way kube's +enum types are. */
export function enumStr(description: string, values: Record<string, string>, extra: Schema = {}): Schema {
  const keys = Object.keys(values).sort();
  const lines = keys.map((k) => ` - \`"${k}"\` ${values[k]}`).join('\n');
  return { type: 'string', description: `${description}\n\nPossible enum values:\n${lines}`, enum: keys, ...extra };
}

export function arrOf(items: Schema, description: string, e: ListExt = { listType: 'atomic' }): Schema {
  return { type: 'array', description, items, ...ext(e) };
}

export const strArr = (description: string, e: ListExt = { listType: 'atomic' }): Schema => arrOf({ type: 'string', default: '' }, description, e);
export const refArr = (name: string, description: string, e: ListExt = { listType: 'atomic' }): Schema =>
  arrOf({ allOf: [refTo(name)], default: {} }, description, e);

export const strMap = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'string', default: '' }, description });
/** map[string][]byte: base64 strings. */
export const bytesMap = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'string', format: 'byte' }, description });
export const bytesField = (description: string): Schema => ({ type: 'string', format: 'byte', description });
export const quantityMap = (description: string): Schema => ({ type: 'object', additionalProperties: refTo(QUANTITY), description });

export function obj(description: string, properties: Record<string, Schema>, required?: string[], extra: Schema = {}): Schema {
  const s: Schema = { description, type: 'object', properties };
  if (required && required.length) s.required = required;
  return { ...s, ...extra };
}

export const API_VERSION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.';
export const KIND = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.';

export function gvk(group: string, version: string, kind: string): Schema {
  return { 'x-kubernetes-group-version-kind': [{ group, kind, version }] };
}

export function kindObject(group: string, version: string, kind: string, description: string, props: Record<string, Schema>, required?: string[]): Schema {
  return obj(
    description,
    {
      apiVersion: str(API_VERSION),
      kind: str(KIND),
      metadata: refV(`${META}ObjectMeta`, "Standard object's metadata."),
      ...props,
    },
    required,
    gvk(group, version, kind),
  );
}

export function listKind(group: string, version: string, kind: string, itemName: string, description: string): Schema {
  return obj(
    description,
    {
      apiVersion: str(API_VERSION),
      items: refArr(itemName, `List of ${kind.replace(/List$/, '').toLowerCase()}s.`),
      kind: str(KIND),
      metadata: refV(`${META}ListMeta`, 'Standard list metadata.'),
    },
    ['items'],
    gvk(group, version, kind),
  );
}
