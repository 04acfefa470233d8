/**
 * The /openapi/v2 document (Swagger 2.0), a second rendering of the one schema source (schemas.ts) and of the
 * v3 paths (openapi-document.ts), in the shape kube-apiserver publishes:
 *
 * - `definitions`: every registered schema under its definition name (`io.k8s.api.core.v1.Pod`), references
 *   written `{$ref: "#/definitions/..."}` with the description beside it (Swagger keeps a $ref's siblings,
 *   so the v3 `allOf: [{$ref}]` wrapper and its `default: {}` go), int-or-string and Quantity as
 *   `type: string` (Swagger has no oneOf), the x-kubernetes-* extensions kept;
 * - `paths`: per served group-version the v3 operations with `consumes`/`produces` instead of content maps,
 *   the request body as an `in: body` parameter, query/path parameters with their `type` inline, and
 *   `x-kubernetes-action` / `x-kubernetes-group-version-kind` as upstream.
 *
 * Everything is derived by iterating what is registered (SCHEMAS, the resource registry and
 * KINDS_BY_GROUP_VERSION): a group whose schemas and resources are registered shows up here without edits.
 * kubectl reads this document as protobuf (swagger-protobuf.ts): its parser (kube-openapi pkg/util/proto)
 * rejects the whole document on one reference to a missing definition, so references to definitions that
 * are not registered are dropped rather than emitted.
 */
import { KINDS_BY_GROUP_VERSION, REF_PREFIX, SCHEMAS, type GroupVersion, type Schema } from './schemas.ts';
import { defaultPaths } from './openapi-document.ts';
import { resourceRegistry } from '../registry/resource-registry.ts';

export const DEFINITIONS_PREFIX = '#/definitions/';

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, Schema>;
  definitions: Record<string, Schema>;
  securityDefinitions: Record<string, Schema>;
  security: Record<string, string[]>[];
}

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The definition name a v3 reference (`$ref` or a one-element `allOf` around it) points to. */
function v3RefTarget(s: Schema): string | undefined {
  const r = typeof s.$ref === 'string' ? s.$ref : Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0]) ? s.allOf[0].$ref : undefined;
  return typeof r === 'string' && r.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : undefined;
}

function sortedEntries(o: Schema): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One v3 schema in its Swagger 2.0 form, or undefined when it only refers to a definition that is not
 * registered (the caller drops it).
 */
export function swaggerSchema(s: Schema): Schema | undefined {
  const target = v3RefTarget(s);
  if (target !== undefined) {
    if (!Object.hasOwn(SCHEMAS, target)) return undefined;
    const out: Schema = { $ref: `${DEFINITIONS_PREFIX}${target}` };
    if (typeof s.description === 'string') out.description = s.description;
    for (const [k, v] of Object.entries(s)) if (k.startsWith('x-')) out[k] = structuredClone(v);
    return out;
  }
  const out: Schema = {};
  for (const [k, v] of sortedEntries(s)) {
    switch (k) {
      case 'oneOf':
      case 'anyOf': {
        // int-or-string and Quantity: kube publishes them as strings (IntOrString with its format).
        const types = Array.isArray(v) ? v.filter(isObject).map((x) => x.type) : [];
        out.type = 'string';
        if (types.includes('integer') && types.includes('string') && out.format === undefined) out.format = 'int-or-string';
        break;
      }
      case 'nullable':
      case 'allOf':
        break;
      case 'properties': {
        const props: Schema = {};
        if (isObject(v)) {
          for (const [name, p] of sortedEntries(v)) {
            const converted = isObject(p) ? swaggerSchema(p) : undefined;
            if (converted) props[name] = converted;
          }
        }
        out.properties = props;
        break;
      }
      case 'items':
      case 'additionalProperties': {
        if (isObject(v)) {
          const converted = swaggerSchema(v);
          if (converted) out[k] = converted;
        } else if (typeof v === 'boolean') {
          out[k] = v;
        }
        break;
      }
      default:
        out[k] = structuredClone(v);
    }
  }
  return out;
}

/** Every registered definition, sorted by name. */
export function swaggerDefinitions(): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const name of Object.keys(SCHEMAS).sort()) out[name] = swaggerSchema(SCHEMAS[name]!) ?? {};
  return out;
}

/** The served group-versions, as the registry lists them, plus any with registered kinds only. */
export function servedGroupVersions(): GroupVersion[] {
  const gvs = resourceRegistry.groupVersions().map((gv) => (gv.group === '' ? gv.version : `${gv.group}/${gv.version}`));
  for (const gv of Object.keys(KINDS_BY_GROUP_VERSION)) if (!gvs.includes(gv)) gvs.push(gv);
  return gvs as GroupVersion[];
}

function contentTypes(content: unknown): string[] {
  return isObject(content) ? Object.keys(content) : [];
}

function contentSchema(content: unknown): Schema | undefined {
  if (!isObject(content)) return undefined;
  for (const entry of Object.values(content)) {
    if (isObject(entry) && isObject(entry.schema)) return swaggerSchema(entry.schema);
  }
  return undefined;
}

/** A v3 parameter (`schema: {type}`) as a Swagger non-body parameter (`type` inline). */
function swaggerParameter(p: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'schema' && isObject(v)) {
      for (const [sk, sv] of Object.entries(v)) out[sk] = structuredClone(sv);
    } else {
      out[k] = structuredClone(v);
    }
  }
  return out;
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function swaggerOperation(op: Schema): Schema {
  const out: Schema = {};
  const parameters: Schema[] = [];
  const produces = new Set<string>();
  const responses: Schema = {};
  if (isObject(op.responses)) {
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObject(r)) continue;
      const response: Schema = { description: typeof r.description === 'string' ? r.description : '' };
      const schema = contentSchema(r.content);
      if (schema) response.schema = schema;
      for (const t of contentTypes(r.content)) produces.add(t);
      responses[code] = response;
    }
  }
  const body = isObject(op.requestBody) ? op.requestBody : undefined;
  const bodySchema = body ? contentSchema(body.content) : undefined;
  if (body && bodySchema) parameters.push({ name: 'body', in: 'body', required: body.required === true, schema: bodySchema });
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObject(p)) parameters.push(swaggerParameter(p));
  out.consumes = body ? contentTypes(body.content) : ['*/*'];
  if (typeof op.description === 'string') out.description = op.description;
  if (typeof op.operationId === 'string') out.operationId = op.operationId;
  if (parameters.length) out.parameters = parameters;
  out.produces = produces.size ? [...produces] : ['application/json'];
  out.responses = responses;
  out.schemes = ['https'];
  if (Array.isArray(op.tags)) out.tags = [...op.tags];
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = structuredClone(v);
  return out;
}

/** One v3 path item in Swagger form. */
export function swaggerPathItem(item: Schema): Schema {
  const out: Schema = {};
  for (const verb of OPERATIONS) if (isObject(item[verb])) out[verb] = swaggerOperation(item[verb]);
  if (Array.isArray(item.parameters)) out.parameters = item.parameters.filter(isObject).map(swaggerParameter);
  return out;
}

/** The whole /openapi/v2 document of everything served. */
export function swaggerDocument(version = 'v1.32.0'): SwaggerDocument {
  const paths: Record<string, Schema> = {};
  for (const gv of servedGroupVersions()) {
    for (const [path, item] of Object.entries(defaultPaths(gv))) paths[path] = swaggerPathItem(item);
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1))),
    definitions: swaggerDefinitions(),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
