/**
 * Acceptance tests with the real @kubernetes/client-node (2.x): CoreV1Api CRUD, Watch (including 410), and an
 * informer that must stay in sync through 1,000 writes and through an apiserver restart on the same data dir
 * and port, on the embedded store and on etcd.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../framework/test-server.ts';
import { Cacher } from '../../../apiserver/storage/cacher/cacher.ts';
import { Etcd3Store } from '../../../apiserver/storage/etcd3/etcd3-store.ts';
import { startEtcd } from '../framework/etcd.ts';
import { client, pod, until } from './_http.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  cleanups.push(() => s.close());
  return s;
}

function kubeConfig(s: TestServer): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(s.kubeconfig);
  return kc;
}

const podBody = (name: string, labels?: Record<string, string>): k8s.V1Pod => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

async function mkns(s: TestServer, name: string): Promise<void> {
  const r = await client(s.url).post('/api/v1/namespaces', { metadata: { name } });
  assert.equal(r.status, 201, r.text);
}

/** name -> resourceVersion of the informer's cache vs a fresh list. */
function snapshot(objs: readonly k8s.V1Pod[]): Map<string, string> {
  return new Map(objs.map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion ?? '']));
}

function sameState(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function diffState(a: Map<string, string>, b: Map<string, string>): string {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: informer ${v} list ${b.get(k) ?? '(absent)'}`);
  for (const [k, v] of b) if (!a.has(k)) out.push(`${k}: informer (absent) list ${v}`);
  return out.slice(0, 20).join('\n');
}

async function expectInSync(informer: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>, core: k8s.CoreV1Api, ns: string, timeoutMs = 20_000): Promise<Map<string, string>> {
  let last = '';
  try {
    return await until(
      'the informer cache to equal a fresh list',
      async () => {
        const want = snapshot((await core.listNamespacedPod({ namespace: ns })).items);
        const got = snapshot(informer.list(ns));
        if (sameState(got, want)) return want;
        last = diffState(got, want);
        return undefined;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${last}`);
  }
}

/** Runs tasks with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) {
        const t = items[i++] as T;
        await fn(t);
      }
    }),
  );
}

test('CoreV1Api: create, list, read, replace, delete pods; errors are ApiExceptions with Status bodies', async () => {
  const s = await server();
  const core = kubeConfig(s).makeApiClient(k8s.CoreV1Api);
  const created = await core.createNamespacedPod({ namespace: 'default', body: podBody('web', { app: 'web' }) });
  assert.equal(created.kind, 'Pod');
  assert.equal(created.metadata?.name, 'web');
  assert.ok(created.metadata?.uid);
  assert.ok(created.metadata?.creationTimestamp instanceof Date, 'timestamps decode to Date');
  await core.createNamespacedPod({ namespace: 'default', body: podBody('db', { app: 'db' }) });
  const list = await core.listNamespacedPod({ namespace: 'default' });
  assert.deepEqual(list.items.map((p) => p.metadata?.name).sort(), ['db', 'web']);
  assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  const sel = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
  assert.deepEqual(sel.items.map((p) => p.metadata?.name), ['web']);
  const read = await core.readNamespacedPod({ name: 'web', namespace: 'default' });
  assert.equal(read.metadata?.uid, created.metadata?.uid);
  assert.equal(read.spec?.containers[0]?.image, 'busybox');
  // replace: the image may change
  const changed = structuredClone(read);
  changed.spec!.containers[0]!.image = 'nginx:1.27';
  const replaced = await core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: changed });
  assert.equal(replaced.spec?.containers[0]?.image, 'nginx:1.27');
  assert.ok(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
  // a stale replace is a 409 ApiException
  const stale = structuredClone(read);
  stale.spec!.containers[0]!.image = 'nginx:stale';
  await assert.rejects(core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: stale }), (e: unknown) => {
    assert.ok(e instanceof k8s.ApiException, String(e));
    assert.equal(e.code, 409);
    const st = JSON.parse(String(e.body));
    assert.equal(st.reason, 'Conflict');
    return true;
  });
  // status subresource read
  const st = await core.readNamespacedPodStatus({ name: 'web', namespace: 'default' });
  assert.equal(st.status?.phase, 'Pending');
  // delete (unbound: immediate), then read is a 404 ApiException with the Status body
  const deleted = await core.deleteNamespacedPod({ name: 'web', namespace: 'default' });
  assert.equal(deleted.metadata?.name, 'web');
  await assert.rejects(core.readNamespacedPod({ name: 'web', namespace: 'default' }), (e: unknown) => {
    assert.ok(e instanceof k8s.ApiException);
    assert.equal(e.code, 404);
    const body = JSON.parse(String(e.body));
    assert.equal(body.kind, 'Status');
    assert.equal(body.message, 'pods "web" not found');
    return true;
  });
  // creating in a missing namespace
  await assert.rejects(core.createNamespacedPod({ namespace: 'nope', body: podBody('x') }), (e: unknown) => e instanceof k8s.ApiException && e.code === 404);
});

test('Watch: events from a resourceVersion; ERROR 410 then done(null) on a compacted one', async () => {
  const s = await server();
  const kc = kubeConfig(s);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await mkns(s, 'cw');
  const rv = (await core.listNamespacedPod({ namespace: 'cw' })).metadata?.resourceVersion;
  const events: string[] = [];
  let doneErr: unknown = 'not called';
  const w = new k8s.Watch(kc);
  const ctl = await w.watch(
    '/api/v1/namespaces/cw/pods',
    { resourceVersion: rv, allowWatchBookmarks: true },
    (type, obj: k8s.V1Pod) => events.push(`${type} ${obj.metadata?.name}`),
    (err) => (doneErr = err),
  );
  await core.createNamespacedPod({ namespace: 'cw', body: podBody('a') });
  const a = await core.readNamespacedPod({ name: 'a', namespace: 'cw' });
  a.metadata!.labels = { x: 'y' };
  await core.replaceNamespacedPod({ name: 'a', namespace: 'cw', body: a });
  await core.deleteNamespacedPod({ name: 'a', namespace: 'cw' });
  await until('3 watch events', () => events.length >= 3, 10_000);
  assert.deepEqual(events, ['ADDED a', 'MODIFIED a', 'DELETED a']);
  ctl.abort();
  await until('done to be called after abort', () => doneErr !== 'not called', 5_000);

  // 410: the ERROR event reaches the callback, then the server closes and done(null) is called
  await core.createNamespacedPod({ namespace: 'cw', body: podBody('b') });
  const cacher = s.registry.lookup('', 'v1', 'pods')?.watch;
  assert.ok(cacher instanceof Cacher);
  await cacher.compact(await s.storage.currentRevision());
  const got: { type: string; obj: { code?: number; reason?: string } }[] = [];
  let done410: unknown = 'not called';
  await w.watch('/api/v1/namespaces/cw/pods', { resourceVersion: rv }, (type, obj) => got.push({ type, obj }), (err) => (done410 = err));
  await until('done after the 410 ERROR event', () => done410 !== 'not called', 10_000);
  assert.equal(done410, null, 'the server ended the stream normally');
  assert.equal(got.length, 1);
  assert.equal(got[0]?.type, 'ERROR');
  assert.equal(got[0]?.obj.code, 410);
  assert.equal(got[0]?.obj.reason, 'Expired');
});

/** An informer on the namespace's pods; it must stay equal to a fresh list through 1,000 concurrent writes. */
async function informerStress(s: TestServer, ns: string): Promise<void> {
  const kc = kubeConfig(s);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await mkns(s, ns);
  // a few objects exist before the informer starts
  for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: ns, body: podBody(`pre-${i}`) });
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
  const counts = { add: 0, update: 0, delete: 0, error: 0 };
  informer.on('add', () => counts.add++);
  informer.on('update', () => counts.update++);
  informer.on('delete', () => counts.delete++);
  informer.on('error', () => counts.error++);
  await informer.start();
  try {
    await until('the initial list in the cache', () => informer.list(ns).length === 5);
    const api = client(s.url);
    const N = 400;
    let ops = 0;
    // each pod: create -> update -> (delete for half of them); pods run in parallel
    await pool(
      Array.from({ length: N }, (_, i) => i),
      16,
      async (i) => {
        const name = `p-${i}`;
        const c = await api.post(`/api/v1/namespaces/${ns}/pods`, pod(name, { labels: { i: String(i) } }));
        assert.equal(c.status, 201, c.text);
        ops++;
        const body = c.json;
        body.metadata.labels.updated = 'yes';
        const u = await api.put(`/api/v1/namespaces/${ns}/pods/${name}`, body);
        assert.equal(u.status, 200, u.text);
        ops++;
        if (i % 2 === 0) {
          const d = await api.del(`/api/v1/namespaces/${ns}/pods/${name}`);
          assert.equal(d.status, 200, d.text);
          ops++;
        }
      },
    );
    assert.equal(ops, 1_000);
    const final = await expectInSync(informer, core, ns, 30_000);
    assert.equal(final.size, 5 + N / 2);
    assert.equal(counts.error, 0, 'no informer errors');
    assert.equal(counts.add, 5 + N, 'one add per object');
    assert.equal(counts.update, N, 'one update per update');
    assert.equal(counts.delete, N / 2, 'one delete per delete');
    for (const o of informer.list(ns)) if (o.metadata?.name?.startsWith('p-')) assert.equal(o.metadata.labels?.updated, 'yes');
  } finally {
    await informer.stop();
  }
}

/**
 * An informer follows `first`; `first` is closed and `restart()` brings up a new apiserver on the same storage
 * and port. Writes made right after the restart (before the informer reconnects) and later ones must all be
 * seen, deletes included.
 */
async function informerAcrossRestart(first: TestServer, restart: () => Promise<TestServer>, ns: string, mode: 'resume' | 'relist'): Promise<void> {
  let s1: TestServer | undefined = first;
  const port = first.port;
  const kc = kubeConfig(first);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await mkns(first, ns);
  for (let i = 0; i < 30; i++) await core.createNamespacedPod({ namespace: ns, body: podBody(`old-${i}`) });

  let lists = 0;
  const deleted = new Set<string>();
  const added = new Set<string>();
  let stopped = false;
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => {
    lists++;
    return core.listNamespacedPod({ namespace: ns });
  });
  informer.on('add', (o) => added.add(o.metadata?.name ?? ''));
  informer.on('delete', (o) => deleted.add(o.metadata?.name ?? ''));
  // client-node informers stop on a transport error; the documented pattern restarts them (resuming from the
  // last resourceVersion they saw)
  let restarts: NodeJS.Timeout | undefined;
  informer.on('error', () => {
    if (!stopped) restarts = setTimeout(() => void informer.start(), 300);
  });
  await informer.start();
  try {
    await expectInSync(informer, core, ns);
    const listsBefore = lists;
    // writes the informer sees before the restart
    await core.deleteNamespacedPod({ name: 'old-0', namespace: ns });
    await core.createNamespacedPod({ namespace: ns, body: podBody('before-restart') });
    await until('the informer to see the pre-restart writes', () => deleted.has('old-0') && added.has('before-restart'));
    if (mode === 'relist') {
      // a write to another resource moves the store past the informer's last pod event: the new apiserver's
      // watch cache starts above it, so the informer's resume is a 410 and it must relist (and diff deletes)
      assert.equal((await client(first.url).post('/api/v1/namespaces', { metadata: { name: `${ns}-bump` } })).status, 201);
    }

    await s1.close();
    s1 = undefined;
    const s2 = await restart();
    assert.equal(s2.port, port);
    // writes right after the restart, before the informer has reconnected
    const api = client(s2.url);
    for (let i = 0; i < 10; i++) assert.equal((await api.post(`/api/v1/namespaces/${ns}/pods`, pod(`new-${i}`))).status, 201);
    for (let i = 1; i <= 5; i++) assert.equal((await api.del(`/api/v1/namespaces/${ns}/pods/old-${i}`)).status, 200);
    const upd = (await api.get(`/api/v1/namespaces/${ns}/pods/old-10`)).json;
    upd.metadata.labels = { after: 'restart' };
    assert.equal((await api.put(`/api/v1/namespaces/${ns}/pods/old-10`, upd)).status, 200);
    const final = await expectInSync(informer, core, ns, 30_000);
    for (let i = 0; i < 10; i++) assert.ok(final.has(`new-${i}`));
    for (let i = 1; i <= 5; i++) assert.ok(deleted.has(`old-${i}`), `delete of old-${i} was seen`);
    assert.deepEqual(informer.get('old-10', ns)?.metadata?.labels, { after: 'restart' });
    // and it keeps following after catching up
    await api.del(`/api/v1/namespaces/${ns}/pods/new-0`);
    await api.post(`/api/v1/namespaces/${ns}/pods`, pod('late'));
    await until('live writes after the restart', () => deleted.has('new-0') && added.has('late'));
    await expectInSync(informer, core, ns);
    assert.equal(listsBefore, 1);
    if (mode === 'resume') assert.equal(lists - listsBefore, 0, 'the informer resumed from its resourceVersion without relisting');
    else assert.ok(lists - listsBefore >= 1, 'the informer relisted after a 410');
  } finally {
    stopped = true;
    clearTimeout(restarts);
    await informer.stop();
    await s1?.close();
  }
}

test('informer stays in sync through 1,000 creates, updates and deletes', async () => {
  await informerStress(await server(), 'inf');
});

test('informer resumes across an apiserver restart on the same data dir and port, missing nothing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelab-restart-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestServer({ dataDir });
  await informerAcrossRestart(first, () => server({ dataDir, port: first.port }), 'restart', 'resume');
});

test('etcd backend: informer in sync through 1,000 writes and across an apiserver restart', async () => {
  const etcd = await startEtcd();
  cleanups.push(() => etcd.stop());
  const prefix = `/kubelab-acceptance-${process.pid}`;
  const store = (): Etcd3Store => {
    const st = new Etcd3Store({ endpoints: [etcd.endpoint], prefix });
    cleanups.push(() => st.close());
    return st;
  };
  await informerStress(await server({ storage: store() }), 'inf-etcd');
  const first = await startTestServer({ storage: store() });
  await informerAcrossRestart(first, () => server({ storage: store(), port: first.port }), 'restart-etcd', 'relist');
});
