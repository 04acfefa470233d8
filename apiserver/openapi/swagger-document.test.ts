import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFINITIONS_PREFIX, swaggerDocument, swaggerSchema, type SwaggerDocument } from './swagger-document.ts';
import { KINDS_BY_GROUP_VERSION, SCHEMAS, type Schema } from './schemas.ts';

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The rules kubectl's model parser (kube-openapi pkg/util/proto ParseSchema) applies to every definition; one
 * violation anywhere makes kubectl drop the whole document (explain, apply's patch metadata, validation).
 */
function kubectlParseErrors(doc: SwaggerDocument): string[] {
  const errors: string[] = [];
  const visit = (s: Schema, path: string): void => {
    if (typeof s.$ref === 'string') {
      if (s.properties !== undefined) errors.push(`${path}: unallowed embedded type definition`);
      if (s.type !== undefined) errors.push(`${path}: definition reference can't have a type`);
      if (!s.$ref.startsWith(DEFINITIONS_PREFIX)) errors.push(`${path}: unallowed reference to non-definition ${s.$ref}`);
      else if (!Object.hasOwn(doc.definitions, s.$ref.slice(DEFINITIONS_PREFIX.length))) errors.push(`${path}: unknown model in reference: ${s.$ref}`);
      return;
    }
    if (Array.isArray(s.type)) {
      errors.push(`${path}: definitions with multiple types aren't supported`);
      return;
    }
    if (s.type === 'array') {
      if (!isObject(s.items)) errors.push(`${path}: array should have exactly one sub-item`);
      else visit(s.items, `${path}[]`);
      return;
    }
    if (s.type === 'object' || (s.type === undefined && s.properties !== undefined)) {
      if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) visit(v as Schema, `${path}.${k}`);
      if (isObject(s.additionalProperties)) visit(s.additionalProperties, `${path}{}`);
      return;
    }
    if (s.type !== undefined && !['string', 'number', 'integer', 'boolean'].includes(String(s.type))) errors.push(`${path}: Unknown primitive type: ${String(s.type)}`);
  };
  for (const [name, s] of Object.entries(doc.definitions)) visit(s, name);
  return errors;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(String(v));
      else refsIn(v, out);
    }
  }
  return out;
}

describe('swaggerDocument', () => {
  const doc = swaggerDocument();

  it('is Swagger 2.0 with every registered schema as a definition', () => {
    assert.equal(doc.swagger, '2.0');
    assert.equal(doc.info.title, 'Kubernetes');
    assert.deepEqual(Object.keys(doc.definitions).sort(), Object.keys(SCHEMAS).sort());
    assert.deepEqual(doc.definitions['io.k8s.api.core.v1.Pod']!['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(doc.securityDefinitions.BearerToken, { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' });
  });

  it('references are #/definitions/ with the description beside them, no allOf, no oneOf', () => {
    const pod = doc.definitions['io.k8s.api.core.v1.Pod']!;
    const metadata = (pod.properties as Record<string, Schema>).metadata!;
    assert.equal(metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.equal(metadata.description, "Standard object's metadata.");
    assert.equal(metadata.allOf, undefined);
    assert.equal(metadata.default, undefined);
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('#/components/schemas/'));
    assert.ok(!text.includes('"allOf"'));
    assert.ok(!text.includes('"oneOf"'));
    for (const r of refsIn(doc)) assert.ok(Object.hasOwn(doc.definitions, r.slice(DEFINITIONS_PREFIX.length)), r);
    assert.deepEqual(
      { type: doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.type, format: doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.format },
      { type: 'string', format: 'int-or-string' },
    );
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']!.type, 'string');
  });

  it('keeps the list and patch extensions strategic merge patch needs', () => {
    const spec = doc.definitions['io.k8s.api.core.v1.PodSpec']!.properties as Record<string, Schema>;
    assert.equal(spec.containers!['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(spec.containers!['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(spec.containers!['x-kubernetes-list-type'], 'map');
    assert.deepEqual(spec.containers!.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container' });
  });

  it('passes the rules of kubectl’s model parser for every definition', () => {
    assert.deepEqual(kubectlParseErrors(doc), []);
  });

  it('paths: v2 operations with body parameters, inline query types, action and kind', () => {
    const item = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!;
    const patch = item.patch as Schema;
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.deepEqual(patch.consumes, ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
    const params = patch.parameters as Schema[];
    assert.deepEqual(params[0], { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    const fv = params.find((p) => p.name === 'fieldValidation')!;
    assert.equal(fv.in, 'query');
    assert.equal(fv.type, 'string');
    assert.equal(fv.schema, undefined);
    assert.deepEqual((patch.responses as Record<string, Schema>)['200'], { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } });
    assert.deepEqual(patch.produces, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    const get = item.get as Schema;
    assert.equal(get['x-kubernetes-action'], 'get');
    assert.deepEqual(get.consumes, ['*/*']);
    const pathParams = item.parameters as Schema[];
    assert.deepEqual(pathParams.find((p) => p.name === 'name'), { name: 'name', in: 'path', description: 'name of the Pod', required: true, type: 'string', uniqueItems: true });
    assert.equal(((doc.paths['/api/v1/pods']!.get as Schema)['x-kubernetes-action']), 'list');
  });

  it('has a PATCH with fieldValidation for every kind registered per group-version (iterates the registry)', () => {
    const patched = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      const gvk = (item.patch as Schema | undefined)?.['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string } | undefined;
      if (gvk && ((item.patch as Schema).parameters as Schema[]).some((p) => p.name === 'fieldValidation')) patched.add(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    }
    for (const k of ['/v1/Pod', '/v1/ConfigMap', '/v1/Namespace', 'coordination.k8s.io/v1/Lease', 'rbac.authorization.k8s.io/v1/ClusterRole', 'certificates.k8s.io/v1/CertificateSigningRequest']) {
      assert.ok(patched.has(k), k);
    }
    for (const gv of Object.keys(KINDS_BY_GROUP_VERSION)) {
      const prefix = gv === 'v1' ? '/api/v1/' : `/apis/${gv}/`;
      assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(prefix)), gv);
    }
  });

  it('drops references to definitions that are not registered', () => {
    assert.equal(swaggerSchema({ allOf: [{ $ref: '#/components/schemas/io.k8s.nope.Nope' }], description: 'x' }), undefined);
    assert.deepEqual(swaggerSchema({ type: 'object', properties: { a: { allOf: [{ $ref: '#/components/schemas/io.k8s.nope.Nope' }] }, b: { type: 'string' } } }), {
      type: 'object',
      properties: { b: { type: 'string' } },
    });
  });
});
