import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPaths, documentHash, openApiDocument, openApiRoot } from './openapi-document.ts';
import { REF_PREFIX } from './schemas.ts';

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(String(v));
      else refsIn(v, out);
    }
  }
  return out;
}

describe('openApiDocument', () => {
  it('core v1: PATCH on each item path lists fieldValidation with the kind (what kubectl checks)', () => {
    const doc = openApiDocument('v1');
    assert.equal(doc.openapi, '3.0.0');
    assert.equal(doc.info.title, 'Kubernetes');
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch as Record<string, unknown>;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.ok((patch.parameters as { name: string }[]).some((p) => p.name === 'fieldValidation'));
    for (const [path, kind] of [
      ['/api/v1/nodes/{name}', 'Node'],
      ['/api/v1/namespaces/{name}', 'Namespace'],
      ['/api/v1/namespaces/{namespace}/events/{name}', 'Event'],
      ['/api/v1/namespaces/{namespace}/services/{name}', 'Service'],
    ] as const) {
      const op = doc.paths[path]?.patch as Record<string, unknown> | undefined;
      assert.deepEqual((op?.['x-kubernetes-group-version-kind'] as { kind: string } | undefined)?.kind, kind, path);
    }
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']);
    assert.ok(doc.paths['/api/v1/pods']?.get);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/bindings']?.post);
  });

  it('components are closed over the paths and kinds', () => {
    for (const gv of ['v1', 'coordination.k8s.io/v1'] as const) {
      const doc = openApiDocument(gv);
      for (const r of refsIn(doc)) assert.ok(r.slice(REF_PREFIX.length) in doc.components.schemas, `${gv}: ${r}`);
    }
    const coord = openApiDocument('coordination.k8s.io/v1');
    assert.ok(coord.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']?.patch);
    assert.ok('io.k8s.apimachinery.pkg.apis.meta.v1.Patch' in coord.components.schemas);
  });

  it('accepts caller-supplied paths', () => {
    const doc = openApiDocument('v1', {});
    assert.deepEqual(doc.paths, {});
    assert.ok('io.k8s.api.core.v1.Pod' in doc.components.schemas);
    assert.ok(Object.keys(defaultPaths('v1')).length > 10);
  });

  it('root document points at hashed GV documents', () => {
    const v1 = openApiDocument('v1');
    const root = openApiRoot({ v1, 'coordination.k8s.io/v1': openApiDocument('coordination.k8s.io/v1') });
    assert.equal(root.paths['api/v1']!.serverRelativeURL, `/openapi/v3/api/v1?hash=${documentHash(v1)}`);
    assert.match(root.paths['apis/coordination.k8s.io/v1']!.serverRelativeURL, /^\/openapi\/v3\/apis\/coordination\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
  });
});
