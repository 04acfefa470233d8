/**
 * The /openapi/v3 documents, built from the single schema source (schemas.ts).
 *
 * - `openApiDocument(gv)` returns the group-version document served at /openapi/v3/api/v1 or
 *   /openapi/v3/apis/coordination.k8s.io/v1: `{openapi, info, paths, components: {schemas}}`.
 *   Paths default to `defaultPaths(gv)`; pass your own to override.
 * - `openApiRoot(hashes)` builds the /openapi/v3 discovery document.
 *
 * kubectl only needs, per kind it may create, a PATCH operation carrying `x-kubernetes-group-version-kind` and
 * a `fieldValidation` parameter (then it uses server-side field validation, see docs reference §5); the
 * schemas make `kubectl explain` work.
 */
import { createHash } from 'node:crypto';
import { REF_PREFIX, schemaNameFor, schemasForGroupVersion, type GroupVersion, type Schema } from './schemas.ts';
import { resourceRegistry } from '../registry/resource-registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export interface ResourceDescription {
  /** Plural resource name. */
  resource: string;
  kind: string;
  /** Definition name of the kind and of its list. */
  schema: string;
  listSchema: string;
  namespaced: boolean;
  /** Subresources served as GET/PUT/PATCH of the same kind (e.g. status). */
  subresources?: string[];
  /** Verbs on the collection and the item. */
  deleteCollection?: boolean;
  /** Only POST (bindings). */
  createOnly?: boolean;
}

/**
 * The served resources of a group-version, derived from the one resource registry (so discovery and OpenAPI
 * can never disagree) plus the schema names of schemas.ts.
 */
export function resourcesOf(gv: GroupVersion): ResourceDescription[] {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  return resourceRegistry.resourcesIn(group, version).map((e) => {
    const schema = schemaNameFor(e.kind, gv) ?? '';
    const listSchema = e.listKind ? (schemaNameFor(e.listKind, gv) ?? '') : '';
    const createOnly = e.verbs.length === 1 && e.verbs[0] === 'create';
    const subresources = e.subresources.filter((s) => s.kind === e.kind && s.verbs.includes('patch')).map((s) => s.name);
    return {
      resource: e.resource,
      kind: e.kind,
      schema,
      listSchema,
      namespaced: e.namespaced,
      ...(subresources.length ? { subresources } : {}),
      ...(e.verbs.includes('deletecollection') ? { deleteCollection: true } : {}),
      ...(createOnly ? { createOnly: true } : {}),
    };
  });
}

const ref = (name: string): Schema => ({ $ref: `${REF_PREFIX}${name}` });

function content(name: string, types = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']): Schema {
  return Object.fromEntries(types.map((t) => [t, { schema: ref(name) }]));
}

function query(name: string, description: string, schema: Schema = { type: 'string' }): Schema {
  return { name, in: 'query', description, schema, uniqueItems: true };
}

const P = {
  pretty: query('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: query('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict (the default in v1.23+).',
  ),
  force: query('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.', { type: 'boolean' }),
  gracePeriodSeconds: query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', { type: 'integer' }),
  propagationPolicy: query('propagationPolicy', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  labelSelector: query('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: query('limit', 'limit is a maximum number of responses to return for a list call.', { type: 'integer' }),
  continue: query('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: query('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: query('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  timeoutSeconds: query('timeoutSeconds', 'Timeout for the list/watch call.', { type: 'integer' }),
  watch: query('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', { type: 'boolean' }),
  allowWatchBookmarks: query('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', { type: 'boolean' }),
  sendInitialEvents: query('sendInitialEvents', '`sendInitialEvents=true` may be set together with `watch=true`.', { type: 'boolean' }),
  name: (kind: string): Schema => ({ name: 'name', in: 'path', description: `name of the ${kind}`, required: true, schema: { type: 'string', uniqueItems: true } }),
  namespace: { name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } },
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];

function gvkOf(gv: GroupVersion, kind: string): Schema {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  return { group, version, kind };
}

/** kube's tag: the group's first DNS label plus the version (`coordination_v1`, `rbacAuthorization_v1`). */
function tagOf(gv: string): string {
  const [group, version] = gv.split('/') as [string, string];
  const first = group.split('.')[0] ?? group;
  const camel = group.endsWith('.k8s.io') && group.split('.').length > 3 ? group.split('.').slice(0, -2).map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('') : first;
  return `${camel}_${version}`;
}

function op(action: string, gv: GroupVersion, kind: string, description: string, responses: Schema, extra: Schema = {}): Schema {
  return {
    description,
    operationId: `${action}${kind}`,
    ...extra,
    responses: { ...responses, '401': { description: 'Unauthorized' } },
    tags: [gv === 'v1' ? 'core_v1' : tagOf(gv)],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvkOf(gv, kind),
  };
}

function itemOps(gv: GroupVersion, r: ResourceDescription, sub?: string): Schema {
  const what = sub ? `${sub} of the specified ${r.kind}` : `the specified ${r.kind}`;
  const ok = (code = '200') => ({ [code]: { description: code === '201' ? 'Created' : 'OK', content: content(r.schema) } });
  const patchBody = {
    requestBody: {
      content: Object.fromEntries(
        ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].map((t) => [t, { schema: ref(`${META}Patch`) }]),
      ),
      required: true,
    },
    parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force],
  };
  const ops: Schema = {
    get: op('get', gv, r.kind, `read ${what}`, ok()),
    put: op('put', gv, r.kind, `replace ${what}`, { ...ok(), ...ok('201') }, {
      requestBody: { content: { '*/*': { schema: ref(r.schema) } }, required: true },
      parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
    }),
    patch: op('patch', gv, r.kind, `partially update ${what}`, { ...ok(), ...ok('201') }, patchBody),
    parameters: [P.name(r.kind), ...(r.namespaced ? [P.namespace] : []), P.pretty],
  };
  if (!sub) {
    ops.delete = op('delete', gv, r.kind, `delete ${what}`, { '200': { description: 'OK', content: content(r.schema) }, '202': { description: 'Accepted', content: content(r.schema) } }, {
      requestBody: { content: { '*/*': { schema: ref(`${META}DeleteOptions`) } } },
      parameters: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy],
    });
  }
  return ops;
}

function collectionOps(gv: GroupVersion, r: ResourceDescription): Schema {
  const created = { '200': { description: 'OK', content: content(r.schema) }, '201': { description: 'Created', content: content(r.schema) }, '202': { description: 'Accepted', content: content(r.schema) } };
  const post = op('post', gv, r.kind, `create a ${r.kind}`, created, {
    requestBody: { content: { '*/*': { schema: ref(r.schema) } }, required: true },
    parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
  });
  const ops: Schema = { post, parameters: [...(r.namespaced ? [P.namespace] : []), P.pretty] };
  if (r.createOnly) return ops;
  ops.get = op('list', gv, r.kind, `list or watch objects of kind ${r.kind}`, { '200': { description: 'OK', content: content(r.listSchema) } }, { parameters: LIST_PARAMS });
  if (r.deleteCollection) {
    ops.delete = op('deletecollection', gv, r.kind, `delete collection of ${r.kind}`, { '200': { description: 'OK', content: content(`${META}Status`) } }, {
      requestBody: { content: { '*/*': { schema: ref(`${META}DeleteOptions`) } } },
      parameters: [...LIST_PARAMS, P.dryRun, P.gracePeriodSeconds, P.propagationPolicy],
    });
  }
  return ops;
}

/** The REST paths of one group-version, in kube's operation shape. */
export function defaultPaths(gv: GroupVersion): Record<string, Schema> {
  const prefix = gv === 'v1' ? '/api/v1' : `/apis/${gv}`;
  const paths: Record<string, Schema> = {};
  for (const r of resourcesOf(gv)) {
    const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
    paths[base] = collectionOps(gv, r);
    if (r.createOnly) continue;
    paths[`${base}/{name}`] = itemOps(gv, r);
    for (const sub of r.subresources ?? []) paths[`${base}/{name}/${sub}`] = itemOps(gv, r, sub);
    if (r.namespaced) {
      paths[`${prefix}/${r.resource}`] = {
        get: op('list', gv, r.kind, `list or watch objects of kind ${r.kind}`, { '200': { description: 'OK', content: content(r.listSchema) } }, { parameters: LIST_PARAMS }),
        parameters: [P.pretty],
      };
    }
  }
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Schema>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
}

/** The /openapi/v3 document of one group-version. */
export function openApiDocument(gv: GroupVersion, paths: Record<string, Schema> = defaultPaths(gv), version = 'v1.32.0'): OpenApiDocument {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version },
    paths,
    components: {
      schemas: schemasForGroupVersion(gv, paths),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

/** The key of a group-version in the /openapi/v3 root ("api/v1", "apis/coordination.k8s.io/v1"). */
export function openApiPathKey(gv: GroupVersion): string {
  return gv === 'v1' ? 'api/v1' : `apis/${gv}`;
}

/** A stable content hash for the `?hash=` of serverRelativeURL (kube uses a SHA-512 of the document). */
export function documentHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** The /openapi/v3 root: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=..."}}}`. */
export function openApiRoot(docs: Partial<Record<GroupVersion, unknown>>): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, doc] of Object.entries(docs) as [GroupVersion, unknown][]) {
    const k = openApiPathKey(gv);
    paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${documentHash(doc)}` };
  }
  return { paths };
}
