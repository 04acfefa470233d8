import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { GenericStore } from './store.ts';
import { immediateDelete, type CreateStrategy, type UpdateStrategy } from '../rest/strategy.ts';
import { statusOf, useMemoryRegistry } from '../testing.ts';

/** GenericStore write semantics through the real registry (embedded store in memory). */

const reg = useMemoryRegistry({ namespaces: ['rv'] });
const { store } = reg;

const pod = (name: string, image: string, rv?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'rv', ...(rv !== undefined ? { resourceVersion: rv } : {}) },
  spec: { containers: [{ name: 'c', image }] },
});

async function put(s: GenericStore, ns: string | undefined, obj: KubeObject): Promise<KubeObject> {
  return (await s.update(ns, obj.metadata.name ?? '', () => obj)).object;
}

test('resourceVersion "0" on update is no precondition for kinds that allow unconditional update', async () => {
  const created = await store('pods').create('rv', pod('zero', 'nginx:1.26'));
  const updated = await put(store('pods'), 'rv', pod('zero', 'nginx:1.27', '0'));
  assert.equal((updated.spec as { containers: { image: string }[] }).containers[0]?.image, 'nginx:1.27');
  assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  // a real, stale resourceVersion still conflicts
  const stale = await statusOf(put(store('pods'), 'rv', pod('zero', 'nginx:1.28', created.metadata.resourceVersion)));
  assert.equal(stale.status.code, 409);
  assert.equal(stale.status.message, 'Operation cannot be fulfilled on pods "zero": the object has been modified; please apply your changes to the latest version and try again');
});

test('resourceVersion "0" or none on a kind without unconditional update (leases) is Invalid, qualified by resource', async () => {
  const lease = (rv?: string): KubeObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'rv', ...(rv !== undefined ? { resourceVersion: rv } : {}) },
    spec: { holderIdentity: 'a' },
  });
  const created = await store('leases').create('rv', lease());
  for (const rv of ['0', undefined]) {
    const e = await statusOf(put(store('leases'), 'rv', lease(rv)));
    assert.equal(e.status.code, 422);
    assert.equal(e.status.reason, 'Invalid');
    assert.equal(e.status.message, 'leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update');
  }
  const ok = await put(store('leases'), 'rv', lease(created.metadata.resourceVersion));
  assert.equal(ok.metadata.name, 'l');
});

test('kinds that do not track generation (pods, namespaces, configmaps) get none on create and no bump on update', async () => {
  const p = await store('pods').create('rv', pod('gen', 'nginx:1.26'));
  assert.equal(p.metadata.generation, undefined);
  const p2 = await put(store('pods'), 'rv', pod('gen', 'nginx:1.27'));
  assert.equal(p2.metadata.generation, undefined, 'a spec change does not bump it');
  const ns = await store('namespaces').get(undefined, 'rv');
  assert.equal(ns.metadata.generation, undefined);
  const cm = await store('configmaps').create('rv', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
  assert.equal(cm.metadata.generation, undefined);
  const cm2 = await put(store('configmaps'), 'rv', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'rv', generation: 7 }, data: { a: '2' } });
  assert.equal(cm2.metadata.generation, undefined, 'an update cannot set generation');
});

test('a strategy with tracksGeneration gets generation 1 on create and a bump only on spec changes', async () => {
  const createStrategy: CreateStrategy = { prepareForCreate() {}, validate: () => [], tracksGeneration: true };
  const updateStrategy: UpdateStrategy = {
    prepareForUpdate(obj, old) {
      obj.status = old.status;
    },
    validateUpdate: () => [],
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
  };
  const widgets = new GenericStore({
    info: { group: 'example.com', version: 'v1', resource: 'widgets', kind: 'Widget', namespaced: false },
    storage: reg.storage,
    keyRoot: '/widgets',
    createStrategy,
    updateStrategy,
    deleteStrategy: immediateDelete,
  });
  const w = (size: number, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', ...extra },
    spec: { size },
  });
  const created = await widgets.create(undefined, w(1, { generation: 5 }));
  assert.equal(created.metadata.generation, 1);
  const labelled = await put(widgets, undefined, w(1, { labels: { a: 'b' } }));
  assert.equal(labelled.metadata.generation, 1, 'metadata changes do not bump generation');
  const resized = await put(widgets, undefined, w(2));
  assert.equal(resized.metadata.generation, 2);
  const forged = await put(widgets, undefined, w(2, { generation: 9 }));
  assert.equal(forged.metadata.generation, 2, 'requests cannot set generation');
});
