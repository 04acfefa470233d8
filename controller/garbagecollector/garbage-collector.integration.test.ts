/**
 * The garbage collector against a real apiserver (in-process, embedded store) and the controller manager with
 * only `garbagecollector` running: Background, Foreground (the owner waits with deletionTimestamp and the
 * foregroundDeletion finalizer while a blocking dependent remains) and Orphan propagation, owners that never
 * existed or were recreated with a new uid, a ReplicaSet with pods, the DELETE responses, and
 * `kubectl delete --cascade=...` with the real kubectl.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';
import { Clientset, configMapsResource, secretsResource } from '../../shared/client/clientset.ts';
import type { ResourceDescriptor } from '../../shared/client/interfaces.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { Logger } from '../../shared/util/log.ts';
import { pollUntil } from '../../shared/util/wait.ts';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';
import { runControllerManager, type RunningControllerManager } from '../main.ts';

const run = promisify(execFile);
const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });
const replicaSetsResource: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true };

let server: TestServer;
let rest: RestClient;
let cs: Clientset;
let cm: RunningControllerManager;

before(async () => {
  server = await startTestServer();
  rest = new RestClient({ server: server.url });
  cs = new Clientset(rest);
  cm = await runControllerManager({ clientset: cs, log: logger, controllers: new Set(['garbagecollector']) });
});

after(async () => {
  await cm.stop();
  rest.close();
  await server.close();
});

const eventually = (what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> =>
  pollUntil(cond, { intervalMs: 50, timeoutMs }).catch((err: unknown) => {
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: err });
  });

async function exists(d: ResourceDescriptor, ns: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await cs.resource(d).get(ns, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const refTo = (o: KubeObject, block = false): OwnerReference => ({
  apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? '', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '', ...(block ? { blockOwnerDeletion: true } : {}),
});

const newSecret = (name: string): Promise<KubeObject> => cs.resource(secretsResource).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' } });
const newConfigMap = (name: string, owners: OwnerReference[], finalizers?: string[]): Promise<KubeObject> =>
  cs.resource(configMapsResource).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ownerReferences: owners, ...(finalizers ? { finalizers } : {}) } });

test('Background: the owner goes at once and the collector deletes its dependents', async () => {
  const owner = await newSecret('bg-owner');
  await newConfigMap('bg-dep-1', [refTo(owner)]);
  await newConfigMap('bg-dep-2', [refTo(owner, true)]);
  await newConfigMap('bg-unrelated', []);
  const res = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/bg-owner', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
  assert.equal(res.statusCode, 200);
  // gone at once: a Success Status naming it (secrets do not return the deleted object; pods do)
  assert.deepEqual(JSON.parse(res.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'bg-owner', kind: 'secrets', uid: owner.metadata.uid } });
  assert.equal(await exists(secretsResource, 'default', 'bg-owner'), undefined);
  await eventually('the dependents to be collected', async () => !(await exists(configMapsResource, 'default', 'bg-dep-1')) && !(await exists(configMapsResource, 'default', 'bg-dep-2')));
  assert.ok(await exists(configMapsResource, 'default', 'bg-unrelated'));
});

test('Foreground: the owner stays with deletionTimestamp and foregroundDeletion until its blocking dependents are gone', async () => {
  const owner = await newSecret('fg-owner');
  // A blocking dependent that its own finalizer keeps after the collector deleted it.
  await newConfigMap('fg-held', [refTo(owner, true)], ['example.com/hold']);
  await newConfigMap('fg-loose', [refTo(owner)]);
  const res = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/fg-owner', query: { propagationPolicy: 'Foreground' } });
  assert.equal(res.statusCode, 200);
  const body = JSON.parse(res.body) as KubeObject;
  assert.equal(body.kind, 'Secret');
  assert.deepEqual(body.metadata.finalizers, ['foregroundDeletion']);
  assert.ok(body.metadata.deletionTimestamp);
  await eventually('the blocking dependent to be deleted (held by its finalizer)', async () => Boolean((await exists(configMapsResource, 'default', 'fg-held'))?.metadata.deletionTimestamp));
  await eventually('the non-blocking dependent to be collected', async () => !(await exists(configMapsResource, 'default', 'fg-loose')));
  await new Promise((r) => setTimeout(r, 300));
  const waiting = await exists(secretsResource, 'default', 'fg-owner');
  assert.ok(waiting, 'the owner waits for its blocking dependent');
  assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);
  const held = await cs.resource(configMapsResource).get('default', 'fg-held');
  await cs.resource(configMapsResource).patch('default', 'fg-held', 'application/merge-patch+json', { metadata: { finalizers: null, resourceVersion: held.metadata.resourceVersion } });
  await eventually('the owner to go once its blocking dependent is gone', async () => !(await exists(secretsResource, 'default', 'fg-owner')));
});

test('Orphan: the dependents stay with the reference to the owner removed', async () => {
  const owner = await newSecret('or-owner');
  const other = await newSecret('or-other');
  await newConfigMap('or-dep', [refTo(owner, true), refTo(other)]);
  const res = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/or-owner', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual((JSON.parse(res.body) as KubeObject).metadata.finalizers, ['orphan']);
  await eventually('the owner to go', async () => !(await exists(secretsResource, 'default', 'or-owner')));
  const dep = await cs.resource(configMapsResource).get('default', 'or-dep');
  assert.deepEqual(dep.metadata.ownerReferences, [refTo(other)]);
});

test('orphanDependents=false keeps a finalizer-held owner with 202; both options at once are 422', async () => {
  const owner = await newSecret('od-owner');
  await newConfigMap('od-dep', [refTo(owner, true)], ['example.com/hold']);
  const both = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/od-owner', body: { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false, propagationPolicy: 'Foreground' } });
  assert.equal(both.statusCode, 422);
  assert.equal((JSON.parse(both.body) as { message: string }).message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set');
  // A foreground finalizer first, then orphanDependents=false: the owner stays (foregroundDeletion kept), 202.
  await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/od-owner', query: { propagationPolicy: 'Foreground' } });
  const res = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/od-owner', body: { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false } });
  // orphanDependents=false clears both GC finalizers; with no finalizer left the owner goes (200).
  assert.equal(res.statusCode, 200);
  assert.equal(await exists(secretsResource, 'default', 'od-owner'), undefined);
  const held = await cs.resource(configMapsResource).get('default', 'od-dep');
  await cs.resource(configMapsResource).patch('default', 'od-dep', 'application/merge-patch+json', { metadata: { finalizers: null, resourceVersion: held.metadata.resourceVersion } });
  // An object kept by another finalizer answers 202 to orphanDependents=false.
  await cs.resource(secretsResource).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'od-kept', namespace: 'default', finalizers: ['example.com/hold'] } });
  const kept = await rest.requestRaw({ method: 'DELETE', path: '/api/v1/namespaces/default/secrets/od-kept', query: { orphanDependents: 'false' } });
  assert.equal(kept.statusCode, 202);
  await cs.resource(secretsResource).patch('default', 'od-kept', 'application/merge-patch+json', { metadata: { finalizers: null } });
});

test('a dependent whose owner never existed (bad uid) is collected, and one whose owner was recreated with a new uid', async () => {
  await newConfigMap('never-owned', [{ apiVersion: 'v1', kind: 'Secret', name: 'ghost', uid: '00000000-0000-0000-0000-00000000dead' }]);
  const first = await newSecret('reborn');
  await newConfigMap('owned-by-first', [refTo(first)]);
  await cs.resource(secretsResource).delete('default', 'reborn', { propagationPolicy: 'Orphan' });
  await eventually('the orphaning to finish', async () => !(await exists(secretsResource, 'default', 'reborn')));
  const second = await newSecret('reborn');
  await newConfigMap('owned-by-old-uid', [refTo(first)]);
  await eventually('the bad-uid dependent to be collected', async () => !(await exists(configMapsResource, 'default', 'never-owned')));
  await eventually('the dependent of the old uid to be collected', async () => !(await exists(configMapsResource, 'default', 'owned-by-old-uid')));
  // the orphaned one stays; the new owner is untouched
  assert.ok(await exists(configMapsResource, 'default', 'owned-by-first'));
  assert.equal((await exists(secretsResource, 'default', 'reborn'))?.metadata.uid, second.metadata.uid);
});

test('a ReplicaSet deleted in the foreground takes its pods first, then goes', async () => {
  const labels = { app: 'gc-rs' };
  const rs = await cs.resource(replicaSetsResource).create({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'gc-rs', namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  } as KubeObject);
  for (let i = 0; i < 5; i++) {
    await cs.pods.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `gc-rs-${i}`, namespace: 'default', labels, ownerReferences: [{ ...refTo(rs, true), controller: true }] },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    } as KubeObject);
  }
  await cs.resource(replicaSetsResource).delete('default', 'gc-rs', { propagationPolicy: 'Foreground' });
  await eventually('the pods and the ReplicaSet to be gone', async () => {
    const pods = await cs.pods.list('default', { labelSelector: 'app=gc-rs' });
    return pods.items.length === 0 && !(await exists(replicaSetsResource, 'default', 'gc-rs'));
  });
});

test('kubectl delete --cascade=orphan|foreground|background', async () => {
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', server.kubeconfig, ...args])).stdout;
  for (const cascade of ['orphan', 'foreground', 'background'] as const) {
    const owner = await newSecret(`kc-${cascade}`);
    await newConfigMap(`kc-${cascade}-dep`, [refTo(owner, true)]);
    const out = await kubectl('delete', 'secret', `kc-${cascade}`, `--cascade=${cascade}`, '-n', 'default');
    assert.equal(out.trim(), `secret "kc-${cascade}" deleted`);
  }
  await eventually('the owners to be gone', async () => {
    for (const c of ['orphan', 'foreground', 'background']) if (await exists(secretsResource, 'default', `kc-${c}`)) return false;
    return true;
  });
  await eventually('foreground and background dependents to be collected', async () =>
    !(await exists(configMapsResource, 'default', 'kc-foreground-dep')) && !(await exists(configMapsResource, 'default', 'kc-background-dep')));
  const orphaned = await exists(configMapsResource, 'default', 'kc-orphan-dep');
  assert.ok(orphaned, 'the orphaned dependent stays');
  assert.equal(orphaned.metadata.ownerReferences, undefined);
});
