/**
 * @kubernetes/client-node 2.x against kubelab: typed CRUD (bodies without kind/apiVersion, as the typed API
 * sends them), the status subresource, every patch strategy with an explicit Content-Type, ApiException
 * codes and bodies, deletecollection, the generic KubernetesObjectApi (discovery-driven), Watch and informers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../../integration/framework/test-server.ts';

let server: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let nsCounter = 0;

before(async () => {
  server = await startTestServer();
  kc = new k8s.KubeConfig();
  // The framework's kubeconfig has insecure-skip-tls-verify: client-node refuses http:// without it.
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => {
  await server?.close();
});

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function pod(name: string, labels: Record<string, string> = { app: name }): k8s.V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } };
}

/** The ApiException a call throws (fails when it does not throw). */
async function apiError(p: Promise<unknown>): Promise<{ code: number; status: { reason?: string; message?: string; details?: { causes?: { field?: string }[] } } }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof k8s.ApiException, `an ApiException, got ${String(e)}`);
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, status: body };
  }
  assert.fail('the call should have failed');
}

function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('client-node CoreV1Api', () => {
  it('create, read, list, replace, delete; errors as ApiException', async () => {
    const ns = await namespace('cn-crud');
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('web') });
    assert.equal(created.kind, 'Pod');
    assert.equal(created.apiVersion, 'v1');
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'timestamps are parsed into Dates');
    assert.equal(created.status?.phase, 'Pending');
    await core.createNamespacedPod({ namespace: ns, body: pod('db', { app: 'db' }) });

    const read = await core.readNamespacedPod({ name: 'web', namespace: ns });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    const list = await core.listNamespacedPod({ namespace: ns });
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ['db', 'web']);
    assert.ok(list.metadata?.resourceVersion);
    const selected = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    assert.deepEqual(selected.items.map((p) => p.metadata?.name), ['web']);
    const byField = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'metadata.name=db' });
    assert.deepEqual(byField.items.map((p) => p.metadata?.name), ['db']);
    const paged = await core.listNamespacedPod({ namespace: ns, limit: 1 });
    assert.equal(paged.items.length, 1);
    assert.ok(paged.metadata?._continue);
    const page2 = await core.listNamespacedPod({ namespace: ns, limit: 1, _continue: paged.metadata?._continue });
    assert.deepEqual(page2.items.map((p) => p.metadata?.name), ['web']);
    const all = await core.listPodForAllNamespaces({ labelSelector: 'app=db' });
    assert.ok(all.items.some((p) => p.metadata?.namespace === ns && p.metadata?.name === 'db'));

    read.metadata!.labels = { ...read.metadata!.labels, replaced: 'yes' };
    read.spec!.containers[0]!.image = 'nginx:1.28';
    const replaced = await core.replaceNamespacedPod({ name: 'web', namespace: ns, body: read });
    assert.equal(replaced.metadata?.labels?.replaced, 'yes');
    assert.equal(replaced.spec?.containers[0]?.image, 'nginx:1.28');
    // The same body again carries a stale resourceVersion.
    const conflict = await apiError(core.replaceNamespacedPod({ name: 'web', namespace: ns, body: read }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.status.reason, 'Conflict');

    const exists = await apiError(core.createNamespacedPod({ namespace: ns, body: pod('web') }));
    assert.deepEqual([exists.code, exists.status.reason, exists.status.message], [409, 'AlreadyExists', 'pods "web" already exists']);
    const invalid = await apiError(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } } }));
    assert.deepEqual([invalid.code, invalid.status.reason], [422, 'Invalid']);
    assert.deepEqual(invalid.status.details?.causes?.map((c) => c.field), ['spec.containers[0].image']);

    const deleted = await core.deleteNamespacedPod({ name: 'web', namespace: ns });
    assert.equal(deleted.metadata?.name, 'web');
    const gone = await apiError(core.readNamespacedPod({ name: 'web', namespace: ns }));
    assert.deepEqual([gone.code, gone.status.reason, gone.status.message], [404, 'NotFound', 'pods "web" not found']);
  });

  it('status subresource, nodes, namespaces, events, leases', async () => {
    const ns = await namespace('cn-sub');
    await core.createNamespacedPod({ namespace: ns, body: pod('web') });
    const st = await core.readNamespacedPodStatus({ name: 'web', namespace: ns });
    assert.equal(st.status?.phase, 'Pending');
    const patched = await core.patchNamespacedPodStatus(
      { name: 'web', namespace: ns, body: { status: { phase: 'Running', podIP: '10.244.0.3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(patched.status?.phase, 'Running');
    assert.equal(patched.status?.podIP, '10.244.0.3');

    const node = await core.createNode({ body: { metadata: { name: `cn-node-${nsCounter}` }, status: { nodeInfo: { kubeletVersion: 'v1.32.0' } as k8s.V1NodeSystemInfo } } });
    assert.equal(node.kind, 'Node');
    const nodes = await core.listNode({ fieldSelector: `metadata.name=${node.metadata?.name}` });
    assert.equal(nodes.items.length, 1);
    await core.deleteNode({ name: node.metadata!.name! });

    const nsObj = await core.readNamespace({ name: ns });
    assert.equal(nsObj.status?.phase, 'Active');
    assert.deepEqual(nsObj.spec?.finalizers, ['kubernetes']);

    const ev = await core.createNamespacedEvent({
      namespace: ns,
      body: { metadata: { name: 'web.1' }, involvedObject: { kind: 'Pod', name: 'web', namespace: ns }, reason: 'Test', message: 'hello', type: 'Normal' },
    });
    assert.equal(ev.reason, 'Test');
    const evs = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=web,reason=Test' });
    assert.deepEqual(evs.items.map((e) => e.message), ['hello']);

    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const renewTime = new k8s.V1MicroTime();
    const lease = await coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'l1' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime } } });
    assert.equal(lease.kind, 'Lease');
    assert.equal(lease.apiVersion, 'coordination.k8s.io/v1');
    // MicroTime round-trips with its microseconds (client-node hands it back as the wire string).
    assert.equal(String(lease.spec?.renewTime), JSON.parse(JSON.stringify(renewTime)));
    const renewed = await coord.patchNamespacedLease(
      { name: 'l1', namespace: ns, body: { spec: { holderIdentity: 'you' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(renewed.spec?.holderIdentity, 'you');
  });

  it('patch in every strategy with an explicit Content-Type', async () => {
    const ns = await namespace('cn-patch');
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1.36' }] } } });

    const json = await core.patchNamespacedPod(
      { name: 'web', namespace: ns, body: [{ op: 'add', path: '/metadata/labels/json', value: '1' }, { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    assert.equal(json.metadata?.labels?.json, '1');
    assert.equal(json.spec?.containers[0]?.image, 'nginx:1.28');

    const merge = await core.patchNamespacedPod(
      { name: 'web', namespace: ns, body: { metadata: { labels: { merge: '1', json: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(merge.metadata?.labels, { app: 'web', merge: '1' });

    // Strategic merge: containers merge by name (a merge patch would have replaced the list).
    const smp = await core.patchNamespacedPod(
      { name: 'web', namespace: ns, body: { spec: { containers: [{ name: 'side', image: 'busybox:1.37' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(smp.spec?.containers.map((c) => `${c.name}=${c.image}`), ['main=nginx:1.28', 'side=busybox:1.37']);

    const ssa = await core.patchNamespacedPod(
      { name: 'web', namespace: ns, fieldManager: 'e2e-client', force: true, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { owned: 'by-e2e' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    assert.equal(ssa.metadata?.labels?.owned, 'by-e2e');
    assert.ok(ssa.metadata?.managedFields?.some((m) => m.manager === 'e2e-client' && m.operation === 'Apply'));
    // Server-side apply creates a missing object.
    const created = await core.patchNamespacedPod(
      { name: 'fresh', namespace: ns, fieldManager: 'e2e-client', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fresh' }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    assert.ok(created.metadata?.uid);

    // Without a Content-Type option client-node sends application/json-patch+json: an object body is refused.
    const wrong = await apiError(core.patchNamespacedPod({ name: 'web', namespace: ns, body: { metadata: { labels: { x: '1' } } } }));
    assert.deepEqual(
      [wrong.code, wrong.status.reason, wrong.status.message],
      [400, 'BadRequest', 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'],
    );
    // A json patch whose test fails.
    const failedTest = await apiError(
      core.patchNamespacedPod({ name: 'web', namespace: ns, body: [{ op: 'test', path: '/metadata/name', value: 'other' }] }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch)),
    );
    assert.deepEqual([failedTest.code, failedTest.status.reason], [422, 'Invalid']);
  });

  it('deleteCollection with a label selector', async () => {
    const ns = await namespace('cn-dc');
    for (const [name, app] of [['a', 'x'], ['b', 'x'], ['c', 'y']] as const) await core.createNamespacedPod({ namespace: ns, body: pod(name, { app }) });
    await core.deleteCollectionNamespacedPod({ namespace: ns, labelSelector: 'app=x' });
    const left = await core.listNamespacedPod({ namespace: ns });
    assert.deepEqual(left.items.map((p) => p.metadata?.name), ['c']);
  });
});

describe('client-node KubernetesObjectApi (generic, discovery-driven)', () => {
  it('create, read, patch, list, delete from plain manifests', async () => {
    const ns = await namespace('cn-obj');
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const spec = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gen', namespace: ns, labels: { app: 'gen' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } };
    const created = await client.create(spec);
    assert.equal(created.metadata?.name, 'gen');
    const read = await client.read({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gen', namespace: ns } });
    assert.equal((read as k8s.V1Pod).spec?.containers[0]?.image, 'nginx:1.27');
    const patched = await client.patch(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gen', namespace: ns, labels: { patched: 'yes' } } },
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    assert.equal(patched.metadata?.labels?.patched, 'yes');
    const lease = await client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'gl', namespace: ns }, spec: { holderIdentity: 'x' } } as k8s.KubernetesObject);
    assert.equal(lease.kind, 'Lease');
    const list = await client.list('v1', 'Pod', ns);
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ['gen']);
    await client.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gen', namespace: ns } });
    const gone = await apiError(client.read({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gen', namespace: ns } }));
    assert.equal(gone.code, 404);
  });
});

describe('client-node Watch and informers', () => {
  it('Watch delivers ADDED, MODIFIED, DELETED after a list resourceVersion', async () => {
    const ns = await namespace('cn-watch');
    await core.createNamespacedPod({ namespace: ns, body: pod('before') });
    const list = await core.listNamespacedPod({ namespace: ns });
    const events: string[] = [];
    let doneErr: unknown = 'not done';
    const watch = new k8s.Watch(kc);
    const ac = await watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, obj: k8s.V1Pod) => {
        if (type !== 'BOOKMARK') events.push(`${type} ${obj.metadata?.name} ${obj.metadata?.labels?.step ?? ''}`.trim());
      },
      (err) => {
        doneErr = err;
      },
    );
    try {
      await core.createNamespacedPod({ namespace: ns, body: pod('w') });
      await core.patchNamespacedPod({ name: 'w', namespace: ns, body: { metadata: { labels: { step: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ name: 'w', namespace: ns });
      await until('three events', () => events.length >= 3);
      assert.deepEqual(events, ['ADDED w', 'MODIFIED w 2', 'DELETED w 2'], 'no synthetic ADDED for "before": the watch starts at the list resourceVersion');
    } finally {
      ac.abort();
    }
    await until('done', () => doneErr !== 'not done');

    // resourceVersion "0" (or unset): the current state first, as synthetic ADDED events.
    const initial: string[] = [];
    const ac0 = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: '0' }, (type, obj: k8s.V1Pod) => initial.push(`${type} ${obj.metadata?.name}`), () => undefined);
    try {
      await until('the synthetic ADDED', () => initial.length >= 1);
      assert.deepEqual(initial, ['ADDED before']);
    } finally {
      ac0.abort();
    }
    // A label selector filters the stream; a field selector on name too.
    const sel: string[] = [];
    const ac1 = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=picked' }, (type, obj: k8s.V1Pod) => sel.push(`${type} ${obj.metadata?.name}`), () => undefined);
    try {
      await core.createNamespacedPod({ namespace: ns, body: pod('ignored', { app: 'other' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('chosen', { app: 'picked' }) });
      await until('the selected pod', () => sel.length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(sel, ['ADDED chosen']);
    } finally {
      ac1.abort();
    }
  });

  it('an informer lists, watches and keeps its cache in step', async () => {
    const ns = await namespace('cn-inf');
    await core.createNamespacedPod({ namespace: ns, body: pod('a') });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`.trim()));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await until('the initial add', () => seen.includes('add a'));
      await core.createNamespacedPod({ namespace: ns, body: pod('b') });
      await core.patchNamespacedPod({ name: 'a', namespace: ns, body: { metadata: { labels: { v: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ name: 'b', namespace: ns });
      await until('add, update, delete', () => seen.includes('delete b'));
      assert.deepEqual(seen, ['add a', 'add b', 'update a 2', 'delete b']);
      assert.deepEqual(informer.list().map((p) => p.metadata?.name), ['a']);
      assert.equal(informer.get('a', ns)?.metadata?.labels?.v, '2');
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });

  it('a label-selector informer sees only its pods', async () => {
    const ns = await namespace('cn-inf2');
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns, labelSelector: 'tier=fe' }), 'tier=fe');
    const added: string[] = [];
    informer.on('add', (p) => added.push(p.metadata?.name ?? ''));
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: ns, body: pod('be', { tier: 'be' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('fe', { tier: 'fe' }) });
      await until('fe', () => added.includes('fe'));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(added, ['fe']);
      assert.deepEqual(informer.list().map((p) => p.metadata?.name), ['fe']);
    } finally {
      await informer.stop();
    }
  });
});
