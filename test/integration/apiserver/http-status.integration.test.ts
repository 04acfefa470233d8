/**
 * Acceptance tests of the API server core over raw HTTP: status codes and Status bodies, list semantics
 * (selectors, paging, resourceVersion rules), optimistic concurrency, subresources (status, binding),
 * graceful deletion and finalizers, namespaces, validation, body handling, and a deterministic fuzz that no
 * client input turns into a 5xx.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../framework/test-server.ts';
import { client, names, pod, until, type Resp } from './_http.ts';
import { seededRandom } from '../framework/seeded-random.ts';

let server: TestServer;
let api: ReturnType<typeof client>;

before(async () => {
  server = await startTestServer();
  api = client(server.url);
});

after(async () => {
  await server?.close();
});

const PODS = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

async function mkns(name: string): Promise<void> {
  const r = await api.post('/api/v1/namespaces', { metadata: { name } });
  assert.equal(r.status, 201, r.text);
}

async function mkpod(ns: string, body: Record<string, unknown>): Promise<Resp> {
  const r = await api.post(PODS(ns), body);
  assert.equal(r.status, 201, r.text);
  return r;
}

/** Asserts the response is a Status with the HTTP code in its body, and returns it. */
function status(r: Resp, code: number, reason?: string) {
  assert.equal(r.status, code, `expected ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.kind, 'Status', r.text);
  assert.equal(r.json.apiVersion, 'v1');
  assert.equal(r.json.status, 'Failure');
  assert.equal(r.json.code, code, 'HTTP code == body code');
  if (reason) assert.equal(r.json.reason, reason, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  return r.json;
}

async function revision(): Promise<number> {
  return server.storage.currentRevision();
}

/** Runs fn (a rejected request) and checks the store did not move and the namespace's list is unchanged. */
async function expectNoWrite(ns: string, fn: () => Promise<void>): Promise<void> {
  const rev = await revision();
  const before = await api.get(PODS(ns));
  await fn();
  assert.equal(await revision(), rev, 'a rejected request must not write');
  const afterList = await api.get(PODS(ns));
  assert.deepEqual(afterList.json.items, before.json.items);
}

test('create: 201, kind/apiVersion defaulted, system fields set, generateName', async () => {
  const r = await api.post(PODS('default'), pod('web-create', { labels: { app: 'web' } }));
  assert.equal(r.status, 201, r.text);
  const p = r.json;
  assert.equal(p.kind, 'Pod');
  assert.equal(p.apiVersion, 'v1');
  assert.equal(p.metadata.name, 'web-create');
  assert.equal(p.metadata.namespace, 'default');
  assert.match(p.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(p.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(p.metadata.creationTimestamp) - Date.now()) < 5_000, 'creationTimestamp is now');
  assert.match(p.metadata.resourceVersion, /^[1-9]\d*$/);
  assert.equal(p.metadata.generation, undefined, 'pods do not track generation (1.32)');
  assert.equal(p.status.phase, 'Pending');
  // client-supplied system fields are replaced
  const r2 = await api.post(PODS('default'), {
    ...pod('web-sys'),
    metadata: { name: 'web-sys', uid: 'not-a-uid', resourceVersion: '12345', creationTimestamp: '2001-01-01T00:00:00Z', generation: 9 },
  });
  assert.equal(r2.status, 201, r2.text);
  assert.notEqual(r2.json.metadata.uid, 'not-a-uid');
  assert.notEqual(r2.json.metadata.creationTimestamp, '2001-01-01T00:00:00Z');
  assert.ok(Number(r2.json.metadata.resourceVersion) > Number(p.metadata.resourceVersion));
  // generateName
  const g = await api.post(PODS('default'), { metadata: { generateName: 'gen-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(g.status, 201, g.text);
  assert.match(g.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(g.json.metadata.generateName, 'gen-');
  const got = await api.get(`${PODS('default')}/${g.json.metadata.name}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.metadata.uid, g.json.metadata.uid);
  // a duplicate name is 409 AlreadyExists
  const dup = await api.post(PODS('default'), pod('web-create'));
  const st = status(dup, 409, 'AlreadyExists');
  assert.equal(st.message, 'pods "web-create" already exists');
  assert.deepEqual(st.details, { name: 'web-create', kind: 'pods' });
});

test('get: 200 with the object, 404 with an exact Status body', async () => {
  const created = await mkpod('default', pod('web-get'));
  const r = await api.get(`${PODS('default')}/web-get`);
  assert.equal(r.status, 200);
  assert.equal(r.json.kind, 'Pod');
  assert.equal(r.json.apiVersion, 'v1');
  assert.equal(r.json.metadata.resourceVersion, created.json.metadata.resourceVersion);
  const nf = await api.get(`${PODS('default')}/x`);
  assert.equal(nf.status, 404);
  assert.deepEqual(nf.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "x" not found',
    reason: 'NotFound',
    details: { name: 'x', kind: 'pods' },
    code: 404,
  });
});

test('list: labelSelector operators =, ==, !=, in, notin, exists, !key', async () => {
  const ns = 'sel-labels';
  await mkns(ns);
  await mkpod(ns, pod('a', { labels: { app: 'web', tier: 'fe' } }));
  await mkpod(ns, pod('b', { labels: { app: 'web', tier: 'be' } }));
  await mkpod(ns, pod('c', { labels: { app: 'db' } }));
  await mkpod(ns, pod('d'));
  await mkpod(ns, pod('e', { labels: { app: 'cache', tier: 'fe' } }));
  const cases: [string, string[]][] = [
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd', 'e']],
    ['tier in (fe,be)', ['a', 'b', 'e']],
    ['tier notin (fe)', ['b', 'c', 'd']],
    ['tier', ['a', 'b', 'e']],
    ['!tier', ['c', 'd']],
    ['app=web,tier=fe', ['a']],
    ['app in (web, db),!tier', ['c']],
    ['app=nothing', []],
  ];
  for (const [sel, want] of cases) {
    const r = await api.get(`${PODS(ns)}?labelSelector=${encodeURIComponent(sel)}`);
    assert.equal(r.status, 200, `${sel}: ${r.text}`);
    assert.equal(r.json.kind, 'PodList');
    assert.deepEqual(names(r.json), want, sel);
  }
  for (const bad of ['app in (', 'app=(x', '!!a', 'a b']) {
    status(await api.get(`${PODS(ns)}?labelSelector=${encodeURIComponent(bad)}`), 400, 'BadRequest');
  }
});

test('list: fieldSelector on metadata.name, metadata.namespace, spec.nodeName, status.phase; unsupported field is 400', async () => {
  const ns = 'sel-fields';
  const other = 'sel-fields-other';
  await mkns(ns);
  await mkns(other);
  for (const n of ['a', 'b', 'c', 'd']) await mkpod(ns, pod(n));
  await mkpod(other, pod('a'));
  // bind b to n1
  const bind = await api.post(`${PODS(ns)}/b/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
  assert.equal(bind.status, 201, bind.text);
  // c becomes Running through the status subresource
  const c = (await api.get(`${PODS(ns)}/c`)).json;
  c.status.phase = 'Running';
  assert.equal((await api.put(`${PODS(ns)}/c/status`, c)).status, 200);

  const q = async (path: string, sel: string) => {
    const r = await api.get(`${path}?fieldSelector=${encodeURIComponent(sel)}`);
    assert.equal(r.status, 200, `${sel}: ${r.text}`);
    return r.json.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`).sort();
  };
  assert.deepEqual(await q(PODS(ns), 'metadata.name=a'), [`${ns}/a`]);
  assert.deepEqual(await q(PODS(ns), 'metadata.name!=a'), [`${ns}/b`, `${ns}/c`, `${ns}/d`]);
  const mine = (keys: string[]) => keys.filter((k) => k.startsWith(`${ns}/`) || k.startsWith(`${other}/`));
  assert.deepEqual(mine(await q('/api/v1/pods', 'metadata.name=a')), [`${other}/a`, `${ns}/a`]);
  assert.ok(!(await q('/api/v1/pods', 'metadata.name=a')).some((k: string) => !k.endsWith('/a')));
  assert.deepEqual(await q('/api/v1/pods', `metadata.namespace=${other}`), [`${other}/a`]);
  assert.deepEqual(await q('/api/v1/pods', `metadata.namespace=${ns},metadata.name==d`), [`${ns}/d`]);
  assert.deepEqual(await q(PODS(ns), 'spec.nodeName=n1'), [`${ns}/b`]);
  assert.deepEqual(await q(PODS(ns), 'spec.nodeName='), [`${ns}/a`, `${ns}/c`, `${ns}/d`]);
  assert.deepEqual(await q(PODS(ns), 'status.phase=Running'), [`${ns}/c`]);
  assert.deepEqual(await q(PODS(ns), 'status.phase!=Running,status.phase!=Succeeded'), [`${ns}/a`, `${ns}/b`, `${ns}/d`]);
  assert.deepEqual(await q(PODS(ns), 'spec.nodeName=n1,status.phase=Running'), []);
  const bad = status(await api.get(`${PODS(ns)}?fieldSelector=${encodeURIComponent('spec.foo=x')}`), 400, 'BadRequest');
  assert.match(bad.message, /field label not supported: spec\.foo/);
  status(await api.get(`${PODS(ns)}?fieldSelector=${encodeURIComponent('metadata.name')}`), 400, 'BadRequest');
  // the same selectors on watch are validated too
  status(await api.get(`${PODS(ns)}?watch=true&fieldSelector=${encodeURIComponent('spec.foo=x')}`), 400, 'BadRequest');
});

test('list: all-namespaces path /api/v1/pods', async () => {
  await mkns('allns-1');
  await mkns('allns-2');
  await mkpod('allns-1', pod('p'));
  await mkpod('allns-2', pod('p'));
  const r = await api.get('/api/v1/pods');
  assert.equal(r.status, 200);
  assert.equal(r.json.kind, 'PodList');
  assert.equal(r.json.apiVersion, 'v1');
  assert.match(r.json.metadata.resourceVersion, /^\d+$/);
  const keys = r.json.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`);
  assert.ok(keys.includes('allns-1/p') && keys.includes('allns-2/p'), keys.join(' '));
  for (const it of r.json.items) assert.ok(Number(it.metadata.resourceVersion) <= Number(r.json.metadata.resourceVersion), 'list rv >= item rv');
});

test('list: limit/continue pages are one consistent snapshot; bad or expired continue', async () => {
  const ns = 'paging';
  await mkns(ns);
  for (let i = 0; i < 7; i++) await mkpod(ns, pod(`p${i}`));
  const p1 = await api.get(`${PODS(ns)}?limit=3`);
  assert.equal(p1.status, 200, p1.text);
  assert.deepEqual(names(p1.json), ['p0', 'p1', 'p2']);
  assert.ok(p1.json.metadata.continue, 'first page has a continue token');
  assert.equal(p1.json.metadata.remainingItemCount, 4);
  const snapshot = p1.json.metadata.resourceVersion;
  // writes between pages must not show up in later pages
  await mkpod(ns, pod('p35'));
  const upd = (await api.get(`${PODS(ns)}/p4`)).json;
  upd.metadata.labels = { changed: 'yes' };
  assert.equal((await api.put(`${PODS(ns)}/p4`, upd)).status, 200);
  assert.equal((await api.del(`${PODS(ns)}/p5`)).status, 200);
  const p2 = await api.get(`${PODS(ns)}?limit=3&continue=${encodeURIComponent(p1.json.metadata.continue)}`);
  assert.equal(p2.status, 200, p2.text);
  assert.deepEqual(names(p2.json), ['p3', 'p4', 'p5']);
  assert.equal(p2.json.metadata.resourceVersion, snapshot, 'pages share the snapshot rv');
  const p4 = p2.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'p4');
  assert.equal(p4.metadata.labels, undefined, 'page 2 shows p4 as of the snapshot');
  assert.ok(p2.json.metadata.continue);
  const p3 = await api.get(`${PODS(ns)}?limit=3&continue=${encodeURIComponent(p2.json.metadata.continue)}`);
  assert.equal(p3.status, 200, p3.text);
  assert.deepEqual(names(p3.json), ['p6']);
  assert.equal(p3.json.metadata.resourceVersion, snapshot);
  assert.ok(!p3.json.metadata.continue, 'last page has no continue');
  // the current state has the writes
  assert.deepEqual(names((await api.get(PODS(ns))).json), ['p0', 'p1', 'p2', 'p3', 'p35', 'p4', 'p6']);
  // bad tokens and forbidden combinations
  status(await api.get(`${PODS(ns)}?limit=3&continue=garbage`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?limit=3&continue=${encodeURIComponent(Buffer.from('{"v":"x"}').toString('base64'))}`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?limit=3&resourceVersion=5&continue=${encodeURIComponent(p1.json.metadata.continue)}`), 400, 'BadRequest');
  status(
    await api.get(`${PODS(ns)}?limit=3&resourceVersionMatch=NotOlderThan&continue=${encodeURIComponent(p1.json.metadata.continue)}`),
    400,
    'BadRequest',
  );
  // paging the all-namespaces list (JSON and Table, as kubectl get -A does) yields exactly the unpaged list
  const whole = await api.get('/api/v1/pods');
  const wholeKeys = whole.json.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`);
  for (const accept of ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io']) {
    const keys: string[] = [];
    let cont = '';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 100, 'paging terminates');
      const r = await api.get(`/api/v1/pods?limit=4${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, { accept });
      assert.equal(r.status, 200, r.text);
      const rows = accept === 'application/json' ? r.json.items.map((i: any) => i.metadata) : r.json.rows.map((row: any) => row.object.metadata);
      assert.ok(rows.length <= 4);
      keys.push(...rows.map((m: { namespace: string; name: string }) => `${m.namespace}/${m.name}`));
      cont = r.json.metadata.continue ?? '';
      if (!cont) break;
    }
    assert.deepEqual(keys, wholeKeys, accept);
  }
  // a token for a snapshot that was compacted away is 410 Expired
  await server.storage.compact(await server.storage.currentRevision());
  const expired = status(await api.get(`${PODS(ns)}?limit=3&continue=${encodeURIComponent(p1.json.metadata.continue)}`), 410, 'Expired');
  assert.ok(expired.message, 'has a message');
});

test('list: resourceVersion and resourceVersionMatch rules', async () => {
  const ns = 'rvrules';
  await mkns(ns);
  await mkpod(ns, pod('old'));
  const before = (await api.get(PODS(ns))).json.metadata.resourceVersion as string;
  await mkpod(ns, pod('new'));
  // unset: most recent
  assert.deepEqual(names((await api.get(PODS(ns))).json), ['new', 'old']);
  // 0: any (served from the cache); the answer is a valid list
  const r0 = await api.get(`${PODS(ns)}?resourceVersion=0`);
  assert.equal(r0.status, 200, r0.text);
  // N (NotOlderThan, implicit and explicit): not older than N, so it includes the later write
  for (const q of [`resourceVersion=${before}`, `resourceVersion=${before}&resourceVersionMatch=NotOlderThan`]) {
    const r = await api.get(`${PODS(ns)}?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(Number(r.json.metadata.resourceVersion) >= Number(before));
    assert.deepEqual(names(r.json), ['new', 'old'], q);
  }
  // Exact N: the state at N
  const ex = await api.get(`${PODS(ns)}?resourceVersion=${before}&resourceVersionMatch=Exact`);
  assert.equal(ex.status, 200, ex.text);
  assert.equal(ex.json.metadata.resourceVersion, before);
  assert.deepEqual(names(ex.json), ['old']);
  // limit with RV=N and no match: exact N
  const lim = await api.get(`${PODS(ns)}?resourceVersion=${before}&limit=10`);
  assert.equal(lim.status, 200, lim.text);
  assert.deepEqual(names(lim.json), ['old']);
  // invalid combinations
  status(await api.get(`${PODS(ns)}?resourceVersionMatch=NotOlderThan`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?resourceVersionMatch=Exact`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?resourceVersion=0&resourceVersionMatch=Exact`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?resourceVersion=1&resourceVersionMatch=Sometimes`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?resourceVersion=abc`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?resourceVersion=-1`), 400, 'BadRequest');
  status(await api.get(`${PODS(ns)}?limit=abc`), 400, 'BadRequest');
  // a resourceVersion from the future: 504 Timeout "Too large resource version" (kube's answer), after waiting
  const future = Number(await revision()) + 1000;
  const t = status(await api.get(`${PODS(ns)}?resourceVersion=${future}`), 504, 'Timeout');
  assert.match(t.message, /Too large resource version/);
  assert.equal(t.details.causes[0].reason, 'ResourceVersionTooLarge');
});

test('update with a stale resourceVersion is 409 Conflict and changes nothing', async () => {
  const created = (await mkpod('default', pod('web-conflict'))).json;
  const fresh = structuredClone(created);
  fresh.metadata.labels = { v: '1' };
  const ok = await api.put(`${PODS('default')}/web-conflict`, fresh);
  assert.equal(ok.status, 200, ok.text);
  assert.ok(Number(ok.json.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const stale = structuredClone(created);
  stale.metadata.labels = { v: '2' };
  await expectNoWrite('default', async () => {
    const r = await api.put(`${PODS('default')}/web-conflict`, stale);
    const st = status(r, 409, 'Conflict');
    assert.equal(
      st.message,
      'Operation cannot be fulfilled on pods "web-conflict": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(st.details.name, 'web-conflict');
    assert.equal(st.details.kind, 'pods');
  });
  const now = (await api.get(`${PODS('default')}/web-conflict`)).json;
  assert.deepEqual(now.metadata.labels, { v: '1' });
  // name mismatch between URL and body is 400
  const wrong = structuredClone(ok.json);
  wrong.metadata.name = 'other';
  status(await api.put(`${PODS('default')}/web-conflict`, wrong), 400, 'BadRequest');
  // PUT of a missing pod is 404 (pods do not allow create on update)
  status(await api.put(`${PODS('default')}/never-created`, pod('never-created')), 404, 'NotFound');
});

test('concurrent updates from the same resourceVersion: exactly one wins, the rest are 409', async () => {
  const created = (await mkpod('default', pod('web-race'))).json;
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const b = structuredClone(created);
      b.metadata.labels = { writer: String(i) };
      return api.put(`${PODS('default')}/web-race`, b);
    }),
  );
  const codes = results.map((r) => r.status).sort();
  assert.deepEqual(codes, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
  const winner = results.find((r) => r.status === 200)?.json;
  const now = (await api.get(`${PODS('default')}/web-race`)).json;
  assert.deepEqual(now.metadata.labels, winner.metadata.labels);
  assert.equal(now.metadata.resourceVersion, winner.metadata.resourceVersion);
  // an unconditional update (no resourceVersion) is allowed for pods: last write wins
  const uncond = structuredClone(now);
  delete uncond.metadata.resourceVersion;
  uncond.metadata.labels = { writer: 'unconditional' };
  const u = await api.put(`${PODS('default')}/web-race`, uncond);
  assert.equal(u.status, 200, u.text);
  assert.deepEqual(u.json.metadata.labels, { writer: 'unconditional' });
});

test('dryRun=All goes through admission and validation but writes nothing', async () => {
  await expectNoWrite('default', async () => {
    const r = await api.post(`${PODS('default')}?dryRun=All`, pod('web-dry'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.metadata.name, 'web-dry');
    assert.equal(r.json.status.phase, 'Pending', 'defaulted like a real create');
    // invalid objects are still refused
    status(await api.post(`${PODS('default')}?dryRun=All`, { metadata: { name: 'web-dry' }, spec: { containers: [{ name: 'c' }] } }), 422, 'Invalid');
    status(await api.post(`${PODS('default')}?dryRun=Bogus`, pod('web-dry')), 400, 'BadRequest');
  });
  status(await api.get(`${PODS('default')}/web-dry`), 404, 'NotFound');
  await mkpod('default', pod('web-dry2'));
  await expectNoWrite('default', async () => {
    const d = await api.del(`${PODS('default')}/web-dry2?dryRun=All`);
    assert.equal(d.status, 200, d.text);
  });
  assert.equal((await api.get(`${PODS('default')}/web-dry2`)).status, 200);
});

test('delete preconditions and deletecollection by label', async () => {
  const ns = 'delcoll';
  await mkns(ns);
  const a = (await mkpod(ns, pod('a', { labels: { group: 'x' } }))).json;
  await mkpod(ns, pod('b', { labels: { group: 'x' } }));
  await mkpod(ns, pod('c', { labels: { group: 'y' } }));
  await expectNoWrite(ns, async () => {
    const st = status(await api.del(`${PODS(ns)}/a`, { preconditions: { uid: 'not-the-uid' } }), 409, 'Conflict');
    assert.match(st.message, /Precondition failed: UID in precondition: not-the-uid/);
    status(await api.del(`${PODS(ns)}/a`, { preconditions: { resourceVersion: '1' } }), 409, 'Conflict');
  });
  assert.equal((await api.del(`${PODS(ns)}/a`, { preconditions: { uid: a.metadata.uid, resourceVersion: a.metadata.resourceVersion } })).status, 200);
  const dc = await api.del(`${PODS(ns)}?labelSelector=${encodeURIComponent('group=x')}`);
  assert.equal(dc.status, 200, dc.text);
  assert.deepEqual(names((await api.get(PODS(ns))).json), ['c']);
});

test('managedFields of a Node created with only status: none, as kube (status is a reset field, the name is stripped)', async () => {
  // kube-apiserver tracks nothing for such a create, and an object nobody tracks stays untracked on later updates
  // (skipNonAppliedManager): upstream's test-cmd gives its fake node an annotation only so field managers are saved.
  const statusOnly = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mf-status-only' }, status: { capacity: { memory: '1Gi' } } };
  const c = await api.post('/api/v1/nodes?fieldManager=kubectl-create', statusOnly);
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.status.capacity.memory, '1Gi', 'a Node keeps the status it is created with');
  assert.equal(c.json.metadata.managedFields, undefined);
  const taint = { spec: { taints: [{ key: 'dedicated', value: 'foo', effect: 'PreferNoSchedule' }] } };
  const t = await api.call('PATCH', '/api/v1/nodes/mf-status-only?fieldManager=kubectl-taint', taint, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.spec.taints[0].key, 'dedicated');
  assert.equal(t.json.metadata.managedFields, undefined);
  // With any field the manager owns (test-cmd's `save-managers` annotation), both writes are recorded.
  const annotated = { ...statusOnly, metadata: { name: 'mf-annotated', annotations: { 'save-managers': 'true' } } };
  const a = await api.post('/api/v1/nodes?fieldManager=kubectl-create', annotated);
  assert.equal(a.status, 201, a.text);
  assert.deepEqual(a.json.metadata.managedFields.map((e: { manager: string; fieldsV1: unknown }) => [e.manager, e.fieldsV1]), [
    ['kubectl-create', { 'f:metadata': { 'f:annotations': { '.': {}, 'f:save-managers': {} } } }],
  ]);
  const at = await api.call('PATCH', '/api/v1/nodes/mf-annotated?fieldManager=kubectl-taint', taint, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.equal(at.status, 200, at.text);
  assert.deepEqual(at.json.metadata.managedFields.map((e: { manager: string }) => e.manager), ['kubectl-create', 'kubectl-taint']);
  for (const n of ['mf-status-only', 'mf-annotated']) assert.equal((await api.del(`/api/v1/nodes/${n}`)).status, 200);
});

test('status subresource writes only status; the main resource ignores status', async () => {
  const created = (await mkpod('default', pod('web-status'))).json;
  // PUT /status: status changes, spec and labels do not
  const s = structuredClone(created);
  s.status.phase = 'Running';
  s.status.podIP = '10.0.0.7';
  s.spec.containers[0].image = 'nginx:changed-through-status';
  s.metadata.labels = { sneaky: 'true' };
  const r = await api.put(`${PODS('default')}/web-status/status`, s);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.phase, 'Running');
  assert.equal(r.json.status.podIP, '10.0.0.7');
  assert.equal(r.json.spec.containers[0].image, 'busybox');
  assert.equal(r.json.metadata.labels, undefined);
  // GET /status returns the pod
  const gs = await api.get(`${PODS('default')}/web-status/status`);
  assert.equal(gs.status, 200);
  assert.equal(gs.json.status.phase, 'Running');
  // PUT on the main resource: spec (image) changes, status does not
  const m = structuredClone(r.json);
  m.spec.containers[0].image = 'nginx:1.27';
  m.status.phase = 'Failed';
  m.status.podIP = '10.9.9.9';
  const r2 = await api.put(`${PODS('default')}/web-status`, m);
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.spec.containers[0].image, 'nginx:1.27');
  assert.equal(r2.json.status.phase, 'Running');
  assert.equal(r2.json.status.podIP, '10.0.0.7');
  const stored = (await api.get(`${PODS('default')}/web-status`)).json;
  assert.equal(stored.status.phase, 'Running');
  assert.equal(stored.spec.containers[0].image, 'nginx:1.27');
  // a forbidden spec change on the main resource is 422 and nothing is written
  await expectNoWrite('default', async () => {
    const bad = structuredClone(r2.json);
    bad.spec.containers[0].name = 'renamed';
    const st = status(await api.put(`${PODS('default')}/web-status`, bad), 422, 'Invalid');
    assert.equal(st.details.kind, 'Pod');
    assert.equal(st.details.name, 'web-status');
  });
});

test('pods/binding sets spec.nodeName once and adds PodScheduled; a second binding is 409', async () => {
  await mkpod('default', pod('web-bind'));
  const binding = (node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-bind' }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
  const r = await api.post(`${PODS('default')}/web-bind/binding`, binding('node-1'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.kind, 'Status');
  assert.equal(r.json.status, 'Success');
  const p = (await api.get(`${PODS('default')}/web-bind`)).json;
  assert.equal(p.spec.nodeName, 'node-1');
  const cond = p.status.conditions?.find((c: { type: string }) => c.type === 'PodScheduled');
  assert.ok(cond, 'PodScheduled condition added');
  assert.equal(cond.status, 'True');
  await expectNoWrite('default', async () => {
    const st = status(await api.post(`${PODS('default')}/web-bind/binding`, binding('node-2')), 409, 'Conflict');
    assert.match(st.message, /already assigned to node "node-1"/);
  });
  assert.equal((await api.get(`${PODS('default')}/web-bind`)).json.spec.nodeName, 'node-1');
  // binding of a missing pod is 404; a binding without a target is 422
  status(await api.post(`${PODS('default')}/nobody/binding`, { ...binding('node-1'), metadata: { name: 'nobody' } }), 404, 'NotFound');
  status(await api.post(`${PODS('default')}/web-bind/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-bind' }, target: {} }), 422, 'Invalid');
  // the main resource may not change nodeName
  const cur = (await api.get(`${PODS('default')}/web-bind`)).json;
  cur.spec.nodeName = 'node-3';
  status(await api.put(`${PODS('default')}/web-bind`, cur), 422, 'Invalid');
});

test('graceful delete of a bound pod keeps it until gracePeriodSeconds=0; an unbound pod goes at once', async () => {
  await mkpod('default', pod('web-grace', { nodeName: 'node-1' }));
  const d = await api.del(`${PODS('default')}/web-grace`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.kind, 'Pod');
  assert.equal(d.json.metadata.deletionGracePeriodSeconds, 30, 'terminationGracePeriodSeconds default');
  const deadline = Date.parse(d.json.metadata.deletionTimestamp);
  assert.ok(Math.abs(deadline - (Date.now() + 30_000)) < 5_000, `deletionTimestamp ~ now + 30s: ${d.json.metadata.deletionTimestamp}`);
  const still = await api.get(`${PODS('default')}/web-grace`);
  assert.equal(still.status, 200, 'the pod stays while its grace period runs');
  assert.equal(still.json.metadata.deletionTimestamp, d.json.metadata.deletionTimestamp);
  // a shorter grace period moves the deadline earlier; it is still there
  const d2 = await api.del(`${PODS('default')}/web-grace`, { gracePeriodSeconds: 10 });
  assert.equal(d2.status, 200, d2.text);
  assert.equal(d2.json.metadata.deletionGracePeriodSeconds, 10);
  assert.equal((await api.get(`${PODS('default')}/web-grace`)).status, 200);
  // grace 0 (query parameter) removes it
  const d3 = await api.del(`${PODS('default')}/web-grace?gracePeriodSeconds=0`);
  assert.equal(d3.status, 200, d3.text);
  status(await api.get(`${PODS('default')}/web-grace`), 404, 'NotFound');

  await mkpod('default', pod('web-unbound'));
  const u = await api.del(`${PODS('default')}/web-unbound`, { propagationPolicy: 'Background' });
  assert.equal(u.status, 200, u.text);
  status(await api.get(`${PODS('default')}/web-unbound`), 404, 'NotFound');
  // deleting again: 404
  status(await api.del(`${PODS('default')}/web-unbound`), 404, 'NotFound');
  // a bad grace period is refused and changes nothing
  await mkpod('default', pod('web-neg', { nodeName: 'node-1' }));
  await expectNoWrite('default', async () => {
    const r = await api.del(`${PODS('default')}/web-neg?gracePeriodSeconds=-5`);
    assert.ok(r.status === 400 || r.status === 422, r.text);
  });
  assert.equal((await api.del(`${PODS('default')}/web-neg?gracePeriodSeconds=0`)).status, 200);
});

test('finalizers hold deletion; removing them deletes', async () => {
  await mkpod('default', pod('web-fin', { finalizers: ['example.com/hold'] }));
  const d = await api.del(`${PODS('default')}/web-fin`);
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json.metadata.deletionTimestamp, 'deletionTimestamp set');
  const held = await api.get(`${PODS('default')}/web-fin`);
  assert.equal(held.status, 200, 'a finalizer keeps the object');
  assert.deepEqual(held.json.metadata.finalizers, ['example.com/hold']);
  // new finalizers cannot be added while deleting
  const add = structuredClone(held.json);
  add.metadata.finalizers = ['example.com/hold', 'example.com/more'];
  status(await api.put(`${PODS('default')}/web-fin`, add), 422, 'Invalid');
  const rm = structuredClone(held.json);
  rm.metadata.finalizers = [];
  const r = await api.put(`${PODS('default')}/web-fin`, rm);
  assert.equal(r.status, 200, r.text);
  await until('the pod to be gone once its finalizers are removed', async () => (await api.get(`${PODS('default')}/web-fin`)).status === 404, 5_000);
});

test('an object in a missing namespace is 404 namespace not found', async () => {
  await expectNoWrite('default', async () => {
    const st = status(await api.post(PODS('no-such-ns'), pod('web')), 404, 'NotFound');
    assert.equal(st.message, 'namespaces "no-such-ns" not found');
    assert.deepEqual(st.details, { name: 'no-such-ns', kind: 'namespaces' });
  });
  status(await api.get(`${PODS('no-such-ns')}/web`), 404, 'NotFound');
});

test('invalid pod: 422 with details.causes naming each field; nothing written', async () => {
  const body = {
    metadata: { name: 'web-invalid' },
    spec: {
      containers: [
        { name: 'c' },
        { name: 'c', image: 'nginx', ports: [{ containerPort: 70000 }], volumeMounts: [{ name: 'missing', mountPath: '/data' }] },
      ],
    },
  };
  await expectNoWrite('default', async () => {
    const st = status(await api.post(PODS('default'), body), 422, 'Invalid');
    assert.equal(st.details.kind, 'Pod');
    assert.equal(st.details.name, 'web-invalid');
    assert.match(st.message, /^Pod "web-invalid" is invalid: /);
    const byField = new Map<string, { reason: string; message: string }>(
      st.details.causes.map((c: { field: string; reason: string; message: string }) => [c.field, c]),
    );
    assert.equal(byField.get('spec.containers[0].image')?.reason, 'FieldValueRequired', JSON.stringify(st.details.causes));
    assert.equal(byField.get('spec.containers[1].name')?.reason, 'FieldValueDuplicate');
    assert.equal(byField.get('spec.containers[1].volumeMounts[0].name')?.reason, 'FieldValueNotFound');
    assert.equal(byField.get('spec.containers[1].ports[0].containerPort')?.reason, 'FieldValueInvalid');
    assert.match(byField.get('spec.containers[1].ports[0].containerPort')?.message ?? '', /between 1 and 65535/);
  });
  status(await api.get(`${PODS('default')}/web-invalid`), 404, 'NotFound');
  // bad name
  status(await api.post(PODS('default'), pod('Not_A_Valid_Name')), 422, 'Invalid');
});

test('bodies: malformed JSON 400, YAML works, wrong kind 400, unknown content type 415, Strict unknown field 400', async () => {
  await expectNoWrite('default', async () => {
    // kube's wording (transformDecodeError around Go's encoding/json error), never the JavaScript parser's
    const unrecognized = "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: ";
    const truncated = status(await api.post(PODS('default'), '{"metadata": {"name": "x"'), 400, 'BadRequest');
    assert.equal(truncated.message, `${unrecognized}unexpected end of JSON input ({"metadata": {"name": "x")`);
    const yamlAsJSON = status(await api.post(PODS('default'), 'apiVersion: v1\nkind: Pod\n', { 'content-type': 'application/json' }), 400, 'BadRequest');
    assert.equal(yamlAsJSON.message, `${unrecognized}invalid character 'a' looking for beginning of value (61706956657273696f6e3a2076310a6b696e643a20506f640a)`);
    const array = status(await api.post(PODS('default'), '[1,2,3]'), 400, 'BadRequest');
    assert.equal(
      array.message,
      `${unrecognized}json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b312c322c335d)`,
    );
    const empty = status(await api.post(PODS('default'), ''), 400, 'BadRequest');
    assert.equal(empty.message, `${unrecognized}unexpected end of JSON input (<empty>)`);
    status(await api.post(PODS('default'), { ...pod('w'), kind: 'Service', apiVersion: 'v1' }), 400, 'BadRequest');
    status(await api.post(PODS('default'), { ...pod('w'), kind: 'Pod', apiVersion: 'apps/v1' }), 400, 'BadRequest');
    status(await api.post(PODS('default'), { metadata: { name: 'w' }, spec: { containers: 'nope' } }), 400, 'BadRequest');
    status(await api.post(PODS('default'), 'x', { 'content-type': 'text/html' }), 415, 'UnsupportedMediaType');
    const strict = await api.post(`${PODS('default')}?fieldValidation=Strict`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-strict' },
      spec: { foo: 1, containers: [{ name: 'c', image: 'busybox' }] },
    });
    const st = status(strict, 400, 'BadRequest');
    assert.equal(st.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
    status(await api.post(`${PODS('default')}?fieldValidation=Bogus`, pod('w')), 400, 'BadRequest');
  });
  // Warn (the default) accepts it, drops the field and answers with a Warning header
  const warn = await api.post(PODS('default'), { metadata: { name: 'web-warn' }, spec: { foo: 1, containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(warn.status, 201, warn.text);
  assert.match(warn.headers.get('warning') ?? '', /^299 - "unknown field \\"spec\.foo\\""/);
  const yaml = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web-yaml', '  labels: {app: yaml}', 'spec:', '  containers:', '  - name: c', '    image: busybox', ''].join('\n');
  const y = await api.post(PODS('default'), yaml, { 'content-type': 'application/yaml' });
  assert.equal(y.status, 201, y.text);
  assert.equal(y.json.metadata.name, 'web-yaml');
  assert.deepEqual(y.json.metadata.labels, { app: 'yaml' });
  // YAML output on request
  const yo = await api.get(`${PODS('default')}/web-yaml`, { accept: 'application/yaml' });
  assert.equal(yo.status, 200);
  assert.match(yo.text, /^apiVersion: v1\n/m);
  assert.match(yo.text, /name: web-yaml/);
  status(await api.post(PODS('default'), 'a: [b', { 'content-type': 'application/yaml' }), 400, 'BadRequest');
});

test('unknown fields accepted under Warn/Ignore are dropped, not stored', async () => {
  // kube decodes into typed structs, so an unknown field never reaches storage or a later GET.
  for (const [name, q] of [['web-unknown-warn', ''], ['web-unknown-ignore', '?fieldValidation=Ignore']] as const) {
    const r = await api.post(`${PODS('default')}${q}`, { metadata: { name }, spec: { foo: 1, containers: [{ name: 'c', image: 'busybox', bar: true }] }, extra: 'x' });
    assert.equal(r.status, 201, r.text);
    const got = (await api.get(`${PODS('default')}/${name}`)).json;
    assert.equal(got.spec.foo, undefined, `${name}: spec.foo must be dropped`);
    assert.equal(got.spec.containers[0].bar, undefined, `${name}: spec.containers[0].bar must be dropped`);
    assert.equal(got.extra, undefined, `${name}: extra must be dropped`);
  }
});

test('wrong method is 405; unknown resource or group is 404', async () => {
  const cases: [string, string][] = [
    ['PUT', PODS('default')],
    ['PATCH', PODS('default')],
    ['POST', `${PODS('default')}/web`],
    ['GET', '/api/v1/namespaces/default/bindings'],
  ];
  for (const [m, p] of cases) {
    const r = await api.call(m, p, m === 'GET' ? undefined : pod('web'));
    status(r, 405, 'MethodNotAllowed');
  }
  for (const p of ['/api/v1/namespaces/default/foos', '/api/v1/foos', '/apis/nope.example.com/v1/things', '/api/v2/pods', '/apis/coordination.k8s.io/v9/leases', '/api/v1/namespaces/default/pods/web/nosuchsub']) {
    const st = status(await api.get(p), 404, 'NotFound');
    assert.ok(st.message, p);
  }
  // the exact "could not find" answer for an unknown resource, and for a namespaced object without a namespace
  for (const p of ['/api/v1/namespaces/default/foos', '/api/v1/pods/web', '/api/v1/pods/web/status']) {
    const r = await api.get(p);
    status(r, 404, 'NotFound');
    assert.equal(r.json.message, 'the server could not find the requested resource', p);
  }
});

test('a body over 3 MiB is 413 and nothing is written', async () => {
  const big = { ...pod('web-big'), metadata: { name: 'web-big', annotations: { blob: 'x'.repeat(3 * 1024 * 1024 + 100) } } };
  await expectNoWrite('default', async () => {
    const r = await api.post(PODS('default'), big);
    status(r, 413, 'RequestEntityTooLarge');
    // the same without a Content-Length (chunked upload)
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(server.url + PODS('default'));
      const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // the server may close the socket after answering 413 while we still write
        if (e.code === 'EPIPE' || e.code === 'ECONNRESET') resolve({ status: -1, body: '' });
        else reject(e);
      });
      const s = JSON.stringify(big);
      for (let i = 0; i < s.length; i += 256 * 1024) req.write(s.slice(i, i + 256 * 1024));
      req.end();
    });
    if (chunked.status !== -1) {
      assert.equal(chunked.status, 413, chunked.body);
      assert.equal(JSON.parse(chunked.body).reason, 'RequestEntityTooLarge');
    }
  });
  status(await api.get(`${PODS('default')}/web-big`), 404, 'NotFound');
  // the server keeps answering
  assert.equal((await api.get('/readyz')).status, 200);
});

test('leases (coordination.k8s.io/v1): create, update with resourceVersion, conflict, create on PUT', async () => {
  const base = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
  const c = await api.post(base, { metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' } });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.kind, 'Lease');
  assert.equal(c.json.apiVersion, 'coordination.k8s.io/v1');
  assert.equal(c.json.spec.holderIdentity, 'node-1');
  const upd = structuredClone(c.json);
  upd.spec.renewTime = '2025-01-01T00:00:10.000000Z';
  const u = await api.put(`${base}/node-1`, upd);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.spec.renewTime, '2025-01-01T00:00:10.000000Z');
  assert.ok(Number(u.json.metadata.resourceVersion) > Number(c.json.metadata.resourceVersion));
  const stale = structuredClone(c.json);
  stale.spec.renewTime = '2025-01-01T00:00:20.000000Z';
  const st = status(await api.put(`${base}/node-1`, stale), 409, 'Conflict');
  assert.equal(
    st.message,
    'Operation cannot be fulfilled on leases.coordination.k8s.io "node-1": the object has been modified; please apply your changes to the latest version and try again',
  );
  assert.equal(st.details.group, 'coordination.k8s.io');
  // an unconditional update (no resourceVersion) is refused for leases
  const uncond = structuredClone(u.json);
  delete uncond.metadata.resourceVersion;
  status(await api.put(`${base}/node-1`, uncond), 422, 'Invalid');
  // PUT of a missing lease creates it
  const cp = await api.put(`${base}/node-2`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-2' }, spec: { holderIdentity: 'node-2' } });
  assert.equal(cp.status, 201, cp.text);
  const list = await api.get(base);
  assert.equal(list.json.kind, 'LeaseList');
  assert.deepEqual(names(list.json), ['node-1', 'node-2']);
  const nf = status(await api.get(`${base}/node-9`), 404, 'NotFound');
  assert.equal(nf.message, 'leases.coordination.k8s.io "node-9" not found');
  status(await api.post(base, { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: -1 } }), 422, 'Invalid');
});

test('events: list with fieldSelector involvedObject.*', async () => {
  const ns = 'events-ns';
  await mkns(ns);
  const ev = (name: string, target: string, kind = 'Pod') => ({
    metadata: { name, namespace: ns },
    involvedObject: { kind, name: target, namespace: ns, apiVersion: 'v1' },
    reason: 'Tested',
    message: `about ${target}`,
    type: 'Normal',
    source: { component: 'test' },
    count: 1,
  });
  for (const [n, t, k] of [['e1', 'web', 'Pod'], ['e2', 'web', 'Pod'], ['e3', 'db', 'Pod'], ['e4', 'web', 'Service']] as const) {
    const r = await api.post(`/api/v1/namespaces/${ns}/events`, ev(n, t, k));
    assert.equal(r.status, 201, r.text);
  }
  const q = async (sel: string) => {
    const r = await api.get(`/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(sel)}`);
    assert.equal(r.status, 200, r.text);
    return names(r.json);
  };
  assert.deepEqual(await q('involvedObject.name=web'), ['e1', 'e2', 'e4']);
  assert.deepEqual(await q('involvedObject.name=web,involvedObject.kind=Pod'), ['e1', 'e2']);
  assert.deepEqual(await q(`involvedObject.name=db,involvedObject.namespace=${ns}`), ['e3']);
  assert.deepEqual(await q('reason=Tested,involvedObject.kind=Service'), ['e4']);
  // across namespaces, as kubectl describe node asks
  const all = await api.get(`/api/v1/events?fieldSelector=${encodeURIComponent('involvedObject.name=db')}`);
  assert.equal(all.status, 200);
  assert.deepEqual(names(all.json), ['e3']);
});

test('namespace deletion: Terminating, no new content, gone after its content is removed', async () => {
  const ns = 'doomed';
  await mkns(ns);
  await mkpod(ns, pod('held', { finalizers: ['example.com/hold'] }));
  await mkpod(ns, pod('plain'));
  const d = await api.del(`/api/v1/namespaces/${ns}`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.status.phase, 'Terminating');
  assert.ok(d.json.metadata.deletionTimestamp);
  const g = await api.get(`/api/v1/namespaces/${ns}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.status.phase, 'Terminating');
  const refused = status(await api.post(PODS(ns), pod('late')), 403, 'Forbidden');
  assert.match(refused.message, /unable to create new content in namespace doomed because it is being terminated/);
  // the namespace controller deletes the content; the finalizer holds one pod
  await until('the plain pod to be deleted', async () => (await api.get(`${PODS(ns)}/plain`)).status === 404);
  const held = await until('the held pod to be marked for deletion', async () => {
    const r = await api.get(`${PODS(ns)}/held`);
    return r.json?.metadata?.deletionTimestamp ? r.json : undefined;
  });
  assert.equal((await api.get(`/api/v1/namespaces/${ns}`)).status, 200, 'the namespace waits for its content');
  held.metadata.finalizers = [];
  assert.equal((await api.put(`${PODS(ns)}/held`, held)).status, 200);
  await until('the namespace to be gone', async () => (await api.get(`/api/v1/namespaces/${ns}`)).status === 404, 15_000);
  // system namespaces cannot be deleted
  status(await api.del('/api/v1/namespaces/default'), 403, 'Forbidden');
  assert.equal((await api.get('/api/v1/namespaces/default')).json.status.phase, 'Active');
});

interface RawResult {
  status: number;
  body: string;
}

/** A raw request (the path is sent as is); streaming answers are cut after the head. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResult> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const code = res.statusCode ?? 0;
      if (res.headers['transfer-encoding'] === 'chunked' && code === 200 && res.headers['content-length'] === undefined && /watch/.test(path)) {
        res.destroy();
        resolve({ status: code, body: '' });
        return;
      }
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: code, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: code, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer in 10 s: ${method} ${path}`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

test('no client input yields a 5xx (deterministic fuzz of paths, queries and bodies)', async () => {
  const fz = await startTestServer();
  try {
    const rand = seededRandom(0x6b75626c);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const fapi = client(fz.url);
    await fapi.post('/api/v1/namespaces', { metadata: { name: 'fz' } });
    await fapi.post(PODS('fz'), pod('web', { labels: { app: 'web' } }));
    const segs = ['api', 'apis', 'v1', 'v2', 'namespaces', 'fz', 'default', 'kube-system', 'pods', 'web', 'status', 'binding', 'finalize', 'nodes', 'events', 'services', 'leases',
      'coordination.k8s.io', 'watch', 'log', 'exec', '%2F', '%00', '..', '.', '%zz', 'x'.repeat(300), '%E2%98%83', 'Pod', 'namespaces', '', 'bindings'];
    const queryKeys = ['watch', 'labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'timeoutSeconds', 'allowWatchBookmarks',
      'sendInitialEvents', 'dryRun', 'fieldManager', 'fieldValidation', 'gracePeriodSeconds', 'propagationPolicy', 'includeObject', 'force', 'pretty'];
    const queryVals = ['', 'true', 'false', '1', '0', '-1', '3', 'abc', '%zz', '%00', 'a=b', 'a in (', '!', 'metadata.name=web', 'spec.nodeName=', 'status.phase!=x', 'x'.repeat(200),
      'NotOlderThan', 'Exact', 'All', 'Strict', 'Warn', 'Ignore', 'Orphan', 'Object', 'None', '1e3', '99999999999999999999', 'eyJ2IjoxfQ==', '\u2603', "'", '"', '{}'];
    const objects = (): unknown => {
      const k = rand();
      if (k < 0.15) return null;
      if (k < 0.25) return Math.floor(rand() * 1e6) - 5e5;
      if (k < 0.35) return pick(['', 'x', 'Pod', '\u0000', 'x'.repeat(1000)]);
      if (k < 0.45) return [objects(), objects()];
      if (k < 0.5) return rand() < 0.5;
      return { [pick(['metadata', 'spec', 'status', 'kind', 'apiVersion', 'name', 'containers', 'x'])]: objects() };
    };
    const mutatePod = (): unknown => {
      const p: Record<string, unknown> = structuredClone(pod(`f${Math.floor(rand() * 50)}`)) as Record<string, unknown>;
      const paths: [string[], unknown][] = [
        [['metadata', 'name'], objects()],
        [['metadata', 'labels'], objects()],
        [['metadata', 'namespace'], pick(['fz', 'other', '', 7])],
        [['metadata', 'finalizers'], objects()],
        [['metadata', 'resourceVersion'], pick(['1', 'abc', 5, ''])],
        [['metadata', 'generateName'], objects()],
        [['spec', 'containers'], objects()],
        [['spec', 'volumes'], objects()],
        [['spec', 'nodeName'], objects()],
        [['spec', 'terminationGracePeriodSeconds'], objects()],
        [['status'], objects()],
        [['kind'], pick(['Pod', 'Node', 5, null])],
        [['apiVersion'], pick(['v1', 'v2', 'apps/v1', null])],
        [['target'], objects()],
        [['spec', 'containers', '0'], objects()],
      ];
      const n = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) {
        const [path, val] = pick(paths);
        let o: Record<string, unknown> = p;
        for (const seg of path.slice(0, -1)) {
          if (typeof o[seg] !== 'object' || o[seg] === null) o[seg] = {};
          o = o[seg] as Record<string, unknown>;
        }
        o[path[path.length - 1] as string] = val;
      }
      return p;
    };
    const bodies = (): Buffer | undefined => {
      const k = rand();
      if (k < 0.1) return undefined;
      if (k < 0.2) return Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      if (k < 0.3) return Buffer.from(JSON.stringify(objects()));
      if (k < 0.4) return Buffer.from(pick(['{', '}', '[', 'null', '""', '{"metadata":', 'a: [b', '- x\n- y', '{"a":1}{"b":2}', '\ufeff{}']));
      return Buffer.from(JSON.stringify(mutatePod()));
    };
    const ctypes = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json',
      'application/apply-patch+yaml', 'text/plain', '', 'application/vnd.kubernetes.protobuf', 'multipart/form-data; boundary=x'];
    const accepts = ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'text/html',
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', '*/*', 'application/json;as=Table;v=v9;g=meta.k8s.io'];
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'GET', 'POST', 'PATCH'];
    const failures: string[] = [];
    // targets that once crashed the process: a path starting with '//' was parsed as a URL with a host
    for (const target of ['//%zz', '//x/api/v1/pods', '//', '///api/v1/pods?watch=1', '//[::1', '//a:b@c/']) {
      for (const method of ['GET', 'POST']) {
        const r = await raw(fz.url, method, target, { 'content-type': 'application/json', 'content-length': '2' }, Buffer.from('{}'));
        if (r.status >= 500) failures.push(`${method} ${target} -> ${r.status} ${r.body.slice(0, 200)}`);
      }
    }
    const N = 400;
    for (let i = 0; i < N; i++) {
      const method = pick(methods);
      let path: string;
      if (rand() < 0.6) {
        // structured paths that reach the handlers
        path = pick([
          '/api/v1/namespaces/fz/pods', '/api/v1/namespaces/fz/pods/web', '/api/v1/namespaces/fz/pods/web/status', '/api/v1/namespaces/fz/pods/web/binding',
          '/api/v1/pods', '/api/v1/namespaces', '/api/v1/namespaces/fz', '/api/v1/namespaces/fz/finalize', '/api/v1/nodes', '/api/v1/nodes/n1',
          '/api/v1/namespaces/fz/events', '/api/v1/namespaces/fz/services', '/apis/coordination.k8s.io/v1/namespaces/fz/leases',
          '/api/v1/namespaces/fz/pods/f1', '/api/v1/namespaces/fz/bindings', '/api/v1/watch/namespaces/fz/pods', '/api/v1/namespaces/fz/pods/%zz',
        ]);
      } else {
        const n = 1 + Math.floor(rand() * 7);
        path = '/' + Array.from({ length: n }, () => pick(segs)).join('/');
      }
      const q = new Array<string>();
      const nq = Math.floor(rand() * 4);
      for (let j = 0; j < nq; j++) q.push(`${pick(queryKeys)}=${encodeURIComponent(pick(queryVals)).replace(/%25/g, rand() < 0.5 ? '%' : '%25')}`);
      if (q.some((s) => s.startsWith('watch=')) || path.includes('/watch/')) q.push('timeoutSeconds=1');
      if (q.length) path += '?' + q.join('&');
      const body = method === 'GET' || method === 'HEAD' ? undefined : bodies();
      const headers: Record<string, string> = { accept: pick(accepts) };
      const ct = pick(ctypes);
      if (ct) headers['content-type'] = ct;
      // frame every body (node sends DELETE/OPTIONS bodies unframed otherwise)
      if (body) headers['content-length'] = String(body.length);
      let r: RawResult;
      try {
        r = await raw(fz.url, method, path, headers, body);
      } catch (e) {
        failures.push(`#${i} ${method} ${path}: transport error ${String(e)}`);
        continue;
      }
      if (r.status >= 500 || r.status === 0) failures.push(`#${i} ${method} ${path} ct=${ct} body=${body?.toString('utf8').slice(0, 200)} -> ${r.status} ${r.body.slice(0, 300)}`);
    }
    // the same over WebSocket upgrades (watch and subresources): refused with < 500, or ERROR frames < 500
    for (let i = 0; i < 80; i++) {
      let path = pick([
        '/api/v1/namespaces/fz/pods', '/api/v1/namespaces/fz/pods/web', '/api/v1/namespaces/fz/pods/web/exec', '/api/v1/namespaces/fz/pods/web/status',
        '/api/v1/pods', '/api/v1/pods/web', '/api/v1/namespaces/fz/bindings', '/api/v1/nodes', '/api/v1/namespaces/fz/nodes', '/api/v1/namespaces', '/api/v1/namespaces/fz',
        '/apis/coordination.k8s.io/v1/namespaces/fz/leases', '/api/v1/namespaces/fz/events', '/api/v1/watch/namespaces/fz/pods', '/apis/x/v1/y', '//%zz', '/api/v1/namespaces/fz/pods/%zz',
      ]);
      const q = ['timeoutSeconds=1'];
      const nq = Math.floor(rand() * 4);
      for (let j = 0; j < nq; j++) q.push(`${pick(queryKeys)}=${encodeURIComponent(pick(queryVals))}`);
      if (rand() < 0.7) q.push('watch=true');
      path += '?' + q.join('&');
      const accept = pick(accepts);
      const outcome = await new Promise<string | undefined>((resolve) => {
        const ws = new WebSocket(fz.url.replace(/^http/, 'ws') + path, { headers: { accept } });
        const timer = setTimeout(() => {
          // an open watch that said nothing wrong within 300 ms is fine
          ws.terminate();
          resolve(undefined);
        }, 300);
        const done = (v: string | undefined) => {
          clearTimeout(timer);
          resolve(v);
        };
        ws.on('unexpected-response', (_req, res) => {
          res.resume();
          done((res.statusCode ?? 0) >= 500 ? `HTTP ${res.statusCode}` : undefined);
        });
        ws.on('message', (data) => {
          try {
            const ev = JSON.parse(data.toString());
            if (ev.type === 'ERROR' && ev.object?.code >= 500) done(`ERROR frame ${data.toString().slice(0, 300)}`);
          } catch {
            done(`unparseable frame ${data.toString().slice(0, 100)}`);
          }
        });
        ws.on('close', () => done(undefined));
        ws.on('error', () => undefined);
      });
      if (outcome) failures.push(`WebSocket #${i} ${path} accept=${accept}: ${outcome}`);
    }
    assert.deepEqual(failures, [], `requests answered with 5xx:\n${failures.join('\n')}`);
    const ready = await fapi.get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal((await fapi.post(PODS('default'), pod('after-fuzz'))).status, 201);
  } finally {
    await fz.close();
  }
});
