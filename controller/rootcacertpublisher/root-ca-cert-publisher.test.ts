import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from '../../shared/api/core-v1.ts';
import { configMapsResource } from '../../shared/client/clientset.ts';
import { newFixture } from '../framework/testing.ts';
import { DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION, RootCACertPublisher } from './root-ca-cert-publisher.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (name: string, extra: Partial<Namespace['metadata']> = {}): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...extra }, status: { phase: 'Active' } });
const cm = (namespace: string, data: Record<string, string>, annotations?: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kube-root-ca.crt', namespace, ...(annotations ? { annotations } : {}) },
  data,
});

test('creates kube-root-ca.crt with ca.crt and the description; leaves a correct one alone; repairs a changed one', async () => {
  const f = await newFixture(
    {
      objects: [ns('fresh'), ns('ok'), ns('stale'), cm('ok', { 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION }), cm('stale', { 'ca.crt': 'old', extra: 'x' })],
    },
    (ctx) => new RootCACertPublisher({ ...ctx, rootCA: CA }),
  );
  try {
    for (const key of ['fresh', 'ok', 'stale']) await f.controller.reconcile(key, f.signal);
    assert.deepEqual(f.writes(), ['create configmaps kube-root-ca.crt', 'update configmaps kube-root-ca.crt']);
    const client = f.clientset.resource<ConfigMap>(configMapsResource);
    const fresh = await client.get('fresh', 'kube-root-ca.crt');
    assert.deepEqual(fresh.data, { 'ca.crt': CA });
    assert.equal(fresh.metadata.annotations?.[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION);
    const stale = await client.get('stale', 'kube-root-ca.crt');
    assert.deepEqual(stale.data, { 'ca.crt': CA });
    assert.equal(stale.metadata.annotations?.[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION);
  } finally {
    await f.stop();
  }
});

test('a deleted kube-root-ca.crt is recreated; other ConfigMaps and terminating namespaces are ignored', async () => {
  const f = await newFixture(
    { objects: [ns('a'), cm('a', { 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION }), ns('dying', { deletionTimestamp: '2026-01-01T00:00:00Z' })] },
    (ctx) => new RootCACertPublisher({ ...ctx, rootCA: CA }),
  );
  try {
    while (f.controller.controller.queue.len() > 0) await f.controller.controller.processNextWorkItem(f.signal);
    const client = f.clientset.resource<ConfigMap>(configMapsResource);
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'a' }, data: {} });
    await client.delete('a', 'other');
    await f.settle();
    assert.equal(f.controller.controller.queue.len(), 0);
    f.clientset.clearActions();
    await client.delete('a', 'kube-root-ca.crt');
    await f.settle();
    assert.equal(f.controller.controller.queue.len(), 1);
    await f.controller.controller.processNextWorkItem(f.signal);
    assert.deepEqual(f.writes(), ['delete configmaps kube-root-ca.crt', 'create configmaps kube-root-ca.crt']);
    f.clientset.clearActions();
    await f.controller.reconcile('dying', f.signal);
    assert.deepEqual(f.writes(), []);
  } finally {
    await f.stop();
  }
});
