import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaFromOpenApi, patchSchemaFor } from './patch-meta-from-openapi.ts';
import { PATCH_META, fieldSchema, genericObjectSchema, itemSchema, patchStrategyOf, type TypeSchema } from './patch-meta.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { updateManagedFields } from '../fieldmanager/field-manager.ts';

const at = (root: TypeSchema, path: string): TypeSchema => path.split('.').reduce((s, k) => (k === '[]' ? itemSchema(s) : fieldSchema(s, k)), root);

/** Every patch tag the hand-written table declares, by path (structs and lists, items followed). */
function tags(s: TypeSchema, path = '', out = new Map<string, string>(), depth = 0): Map<string, string> {
  if (depth > 12) return out;
  if ('patchStrategy' in s && s.patchStrategy) out.set(path, `${s.patchStrategy}/${'patchMergeKey' in s ? (s.patchMergeKey ?? '') : ''}`);
  if (s.kind === 'struct') for (const [k, f] of Object.entries(s.fields)) tags(f, path ? `${path}.${k}` : k, out, depth + 1);
  if (s.kind === 'list') tags(s.items, `${path}.[]`, out, depth + 1);
  return out;
}

describe('patch metadata from the OpenAPI schemas', () => {
  it('a Deployment merges its pod template containers by name, ports by containerPort, strategy with retainKeys', () => {
    const d = patchSchemaFor('apps/v1', 'Deployment');
    assert.notEqual(d, genericObjectSchema);
    const containers = at(d, 'spec.template.spec.containers');
    assert.equal(containers.kind, 'list');
    assert.deepEqual(patchStrategyOf(containers), { strategy: 'merge', retainKeys: false });
    assert.equal(containers.kind === 'list' && containers.patchMergeKey, 'name');
    const ports = at(d, 'spec.template.spec.containers.[].ports');
    assert.equal(ports.kind === 'list' && ports.patchMergeKey, 'containerPort');
    assert.deepEqual(ports.kind === 'list' && ports.keyDefaults, { protocol: 'TCP' });
    assert.deepEqual(patchStrategyOf(at(d, 'spec.strategy')), { strategy: '', retainKeys: true });
    assert.deepEqual(patchStrategyOf(at(d, 'spec.template.spec.volumes')), { strategy: 'merge', retainKeys: true });
  });

  it('agrees with the hand-written table on every patch tag it declares, for every kind both describe (core, apps, Scale)', () => {
    for (const key of Object.keys(PATCH_META)) {
      const [apiVersion, kind] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
      const derived = patchMetaFromOpenApi(apiVersion, kind);
      if (!derived) continue; // kinds without a registered OpenAPI schema (Endpoints, PersistentVolume, ...)
      const want = tags(PATCH_META[key]!);
      const got = tags(derived);
      const diffs = [...want]
        .filter(([path]) => at(derived, path).kind !== 'deduced') // fields the OpenAPI schemas do not publish (resourceClaims)
        .filter(([path, tag]) => got.get(path) !== tag).map(([path, tag]) => `${key} ${path}: ${tag} vs ${got.get(path) ?? 'none'}`);
      assert.deepEqual(diffs, []);
    }
  });

  it('kubectl apply’s second patch of a Deployment: $setElementOrder and a changed image merge by name', () => {
    const live: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'front', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'front' } },
        template: {
          metadata: { labels: { app: 'front' } },
          spec: { containers: [{ name: 'main', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'side', image: 'busybox' }] },
        },
      },
    };
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'main' }, { name: 'side' }],
            containers: [{ name: 'main', image: 'nginx:1.28' }],
          },
        },
      },
    };
    const out = applyStrategicMergePatch(live, patch, patchSchemaFor('apps/v1', 'Deployment'));
    const spec = (out.spec as { template: { spec: { containers: { name: string; image: string; ports?: unknown }[] } } }).template.spec;
    assert.deepEqual(
      spec.containers.map((c) => [c.name, c.image, c.ports]),
      [
        ['main', 'nginx:1.28', [{ containerPort: 80, protocol: 'TCP' }]],
        ['side', 'busybox', undefined],
      ],
    );
  });

  it('a CronJob (no hand-written entry): keyed containers for strategic merge patch and for managedFields', () => {
    const cj = patchSchemaFor('batch/v1', 'CronJob');
    const containers = at(cj, 'spec.jobTemplate.spec.template.spec.containers');
    assert.equal(containers.kind === 'list' && containers.patchMergeKey, 'name');
    assert.deepEqual(containers.kind === 'list' && containers.listMapKeys, ['name']);
    const obj: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj', namespace: 'default' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    };
    const out = updateManagedFields(null, obj, 'kubectl-create', 'Update', undefined, '2026-01-01T00:00:00Z', { apiVersion: 'batch/v1', kind: 'CronJob' });
    const fields = JSON.stringify(out.metadata.managedFields?.[0]?.fieldsV1);
    assert.match(fields, /"f:containers":\{"\.":\{\},"k:\{\\"name\\":\\"c\\"\}":\{"\.":\{\},"f:image":\{\},"f:name":\{\}\}\}/, fields);
  });

  it('kinds without a registered schema keep the generic schema', () => {
    assert.equal(patchSchemaFor('53', 'Pod'), genericObjectSchema, 'an unknown group-version does not borrow another group’s kind');
    assert.equal(patchSchemaFor('example.com/v1', 'Widget'), genericObjectSchema);
    assert.equal(patchSchemaFor('v1', 'Pod'), PATCH_META['v1/Pod']);
  });
});
