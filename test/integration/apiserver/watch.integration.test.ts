/**
 * Acceptance tests of WATCH: chunked HTTP and WebSocket transports, synthetic initial events, resume from a
 * resourceVersion, 410 Expired, bookmarks (initial-events-end and the pre-deadline one), selectors with objects
 * leaving the selection, timeoutSeconds, and Table watch events.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../framework/test-server.ts';
import { Cacher } from '../../../apiserver/storage/cacher/cacher.ts';
import { brief, client, openStream, pod, readEvents, within, type LineStream, type WatchEvent } from './_http.ts';

let server: TestServer;
let api: ReturnType<typeof client>;
const open: { close(): void }[] = [];

before(async () => {
  server = await startTestServer();
  api = client(server.url);
});

after(async () => {
  for (const s of open) s.close();
  await server?.close();
});

const PODS = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

async function mkns(name: string): Promise<void> {
  const r = await api.post('/api/v1/namespaces', { metadata: { name } });
  assert.equal(r.status, 201, r.text);
}

async function create(ns: string, body: Record<string, unknown>) {
  const r = await api.post(PODS(ns), body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function update(ns: string, name: string, mutate: (p: any) => void, sub = '') {
  const cur = (await api.get(`${PODS(ns)}/${name}`)).json;
  mutate(cur);
  const r = await api.put(`${PODS(ns)}/${name}${sub}`, cur);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function remove(ns: string, name: string) {
  const r = await api.del(`${PODS(ns)}/${name}?gracePeriodSeconds=0`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function listRV(ns: string): Promise<string> {
  const r = await api.get(PODS(ns));
  assert.equal(r.status, 200);
  return r.json.metadata.resourceVersion;
}

async function watch(path: string, headers: Record<string, string> = {}): Promise<LineStream> {
  const s = await openStream(server.url, path, headers);
  open.push(s);
  return s;
}

/** Asserts nothing more arrives within ms (or the stream ends). */
async function expectQuiet(s: LineStream, ms = 300): Promise<void> {
  const line = await s.next(ms).catch(() => null);
  assert.ok(line === null || line === undefined, `unexpected extra event: ${line}`);
}

const summary = (evs: WatchEvent[]) => evs.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);

/** The pods Cacher (to compact its window: the storage alone does not tell it). */
function podsCacher(): Cacher {
  const served = server.registry.lookup('', 'v1', 'pods');
  assert.ok(served && served.watch instanceof Cacher, 'pods are watched through a Cacher');
  return served.watch;
}

test('chunked watch: headers flushed before any event, one JSON event per line', async () => {
  const ns = 'w-headers';
  await mkns(ns);
  const rv = await listRV(ns);
  const s = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}`);
  // the response head arrived although there was nothing to send
  assert.equal(s.status, 200);
  assert.ok(s.headMs < 2_000, `response head took ${s.headMs} ms`);
  assert.match(String(s.headers['content-type']), /^application\/json/);
  assert.equal(s.headers['transfer-encoding'], 'chunked');
  assert.equal(s.headers['content-length'], undefined);
  await expectQuiet(s, 300);
  for (const n of ['a', 'b', 'c']) await create(ns, pod(n));
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const line = await s.next(5_000);
    assert.ok(line !== undefined, 'stream open');
    lines.push(line);
  }
  for (const line of lines) {
    const ev = JSON.parse(line) as WatchEvent; // each line is exactly one event
    assert.deepEqual(Object.keys(ev).sort(), ['object', 'type']);
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.kind, 'Pod');
    assert.equal(ev.object.apiVersion, 'v1');
  }
  assert.deepEqual(lines.map((l) => JSON.parse(l).object.metadata.name), ['a', 'b', 'c']);
  s.close();
});

test('watch without resourceVersion (and with 0): synthetic ADDED for current objects, then changes', async () => {
  const ns = 'w-unset';
  await mkns(ns);
  for (const n of ['a', 'b', 'c']) await create(ns, pod(n));
  for (const q of ['', '&resourceVersion=0']) {
    const s = await watch(`${PODS(ns)}?watch=true${q}`);
    const initial = await readEvents(s, (e) => e.length >= 3);
    assert.deepEqual(summary(initial).sort(), ['ADDED a', 'ADDED b', 'ADDED c'], q);
    await expectQuiet(s, 200);
    s.close();
  }
  const s = await watch(`${PODS(ns)}?watch=true`);
  await readEvents(s, (e) => e.length >= 3);
  const upd = await update(ns, 'a', (p) => (p.metadata.labels = { x: 'y' }));
  const del = await remove(ns, 'b');
  const changes = await readEvents(s, (e) => e.length >= 2);
  assert.deepEqual(summary(changes), ['MODIFIED a', 'DELETED b']);
  assert.equal(changes[0]?.object.metadata.resourceVersion, upd.metadata.resourceVersion);
  assert.deepEqual(changes[0]?.object.metadata.labels, { x: 'y' });
  // DELETED carries the last state with the delete's (new) resourceVersion
  assert.ok(Number(changes[1]?.object.metadata.resourceVersion) > Number(upd.metadata.resourceVersion));
  assert.equal(changes[1]?.object.metadata.resourceVersion, del.metadata.resourceVersion);
  s.close();
});

test('watch from resourceVersion N replays exactly the later events, no synthetic ones', async () => {
  const ns = 'w-resume';
  await mkns(ns);
  await create(ns, pod('a'));
  await create(ns, pod('b'));
  const rv = await listRV(ns);
  await create(ns, pod('c'));
  await update(ns, 'b', (p) => (p.metadata.labels = { v: '2' }));
  await remove(ns, 'a');
  // another namespace's writes must not leak into this watch
  await create('default', pod('w-resume-noise'));
  const s = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}`);
  const evs = await readEvents(s, (e) => e.length >= 3);
  assert.deepEqual(summary(evs), ['ADDED c', 'MODIFIED b', 'DELETED a']);
  const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs.every((r, i) => r > Number(rv) && (i === 0 || r > (rvs[i - 1] as number))), `increasing rvs after ${rv}: ${rvs}`);
  await expectQuiet(s, 300);
  // and it keeps streaming live changes
  await create(ns, pod('d'));
  assert.deepEqual(summary(await readEvents(s, (e) => e.length >= 1)), ['ADDED d']);
  // resuming from the rv of the last event gets nothing old
  const last = rvs[rvs.length - 1] as number;
  const s2 = await watch(`${PODS(ns)}?watch=true&resourceVersion=${last}`);
  assert.deepEqual(summary(await readEvents(s2, (e) => e.length >= 1)), ['ADDED d']);
  await expectQuiet(s2, 200);
  s.close();
  s2.close();
});

test('watch from a compacted resourceVersion: HTTP 200, one ERROR 410 Expired event, then the stream closes', async () => {
  const ns = 'w-expired';
  await mkns(ns);
  await create(ns, pod('a'));
  const old = await listRV(ns);
  await create(ns, pod('b'));
  await update(ns, 'b', (p) => (p.metadata.labels = { v: '1' }));
  const now = await server.storage.currentRevision();
  await podsCacher().compact(now);
  const s = await watch(`${PODS(ns)}?watch=true&resourceVersion=${old}`);
  assert.equal(s.status, 200, 'a too old rv is reported in the stream, not as an HTTP status');
  const evs = await readEvents(s, (e) => e.length >= 1);
  assert.equal(evs[0]?.type, 'ERROR');
  const st = evs[0]?.object;
  assert.equal(st.kind, 'Status');
  assert.equal(st.code, 410);
  assert.equal(st.reason, 'Expired');
  assert.match(st.message, /too old resource version/);
  const more = await s.next(5_000);
  assert.equal(more, undefined, 'the stream ends after the ERROR event');
  await s.ended;
  // resuming from the compaction revision itself still works
  const s2 = await watch(`${PODS(ns)}?watch=true&resourceVersion=${now}`);
  await create(ns, pod('c'));
  assert.deepEqual(summary(await readEvents(s2, (e) => e.length >= 1)), ['ADDED c']);
  s2.close();
});

test('bookmarks: sendInitialEvents ends with an initial-events-end BOOKMARK; a BOOKMARK comes before the deadline; none without allowWatchBookmarks', async () => {
  const ns = 'w-bookmark';
  await mkns(ns);
  await create(ns, pod('a'));
  await create(ns, pod('b'));
  const rv = await listRV(ns);
  const s = await watch(`${PODS(ns)}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${rv}`);
  const evs = await readEvents(s, (e) => e.some((x) => x.type === 'BOOKMARK'), 5_000);
  assert.deepEqual(summary(evs.slice(0, 2)).sort(), ['ADDED a', 'ADDED b']);
  const bm = evs[2];
  assert.equal(evs.length, 3, summary(evs).join(','));
  assert.equal(bm?.type, 'BOOKMARK');
  assert.equal(bm?.object.kind, 'Pod');
  assert.equal(bm?.object.apiVersion, 'v1');
  assert.equal(bm?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
  assert.ok(Number(bm?.object.metadata.resourceVersion) >= Number(rv));
  assert.equal(bm?.object.spec, undefined, 'a bookmark carries only metadata');
  await create(ns, pod('c'));
  assert.deepEqual(summary(await readEvents(s, (e) => e.length >= 1)), ['ADDED c']);
  s.close();
  // sendInitialEvents without resourceVersionMatch=NotOlderThan is invalid
  const bad = await api.get(`${PODS(ns)}?watch=true&sendInitialEvents=true`);
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.json.reason, 'Invalid');
  // a watch with a 4 s timeout gets a bookmark 2 s before its deadline, then ends; at the same time a watch
  // without allowWatchBookmarks gets no BOOKMARK and just ends at its timeout
  const rvNow = await listRV(ns);
  const [s2, s3] = await Promise.all([
    watch(`${PODS(ns)}?watch=true&allowWatchBookmarks=true&timeoutSeconds=4&resourceVersion=${rvNow}`),
    watch(`${PODS(ns)}?watch=true&timeoutSeconds=4&resourceVersion=${rvNow}`),
  ]);
  // (readEvents fails if the stream ends before the BOOKMARK arrives)
  const bms = await readEvents(s2, (e) => e.some((x) => x.type === 'BOOKMARK'), 6_000);
  assert.equal(bms[bms.length - 1]?.type, 'BOOKMARK');
  assert.equal(bms[bms.length - 1]?.object.metadata.annotations, undefined, 'a plain bookmark has no initial-events-end');
  assert.equal(await s2.next(4_000), undefined, 'then the stream ends at the deadline');
  const rest: string[] = [];
  for (;;) {
    const line = await s3.next(7_000);
    if (line === undefined) break;
    rest.push(line);
  }
  assert.deepEqual(rest, [], 'no events, in particular no BOOKMARK');
});

test('selectors: label and field selected watches; an object leaving the selection arrives as DELETED', async () => {
  const ns = 'w-select';
  await mkns(ns);
  const rv = await listRV(ns);
  const byLabel = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}&labelSelector=${encodeURIComponent('app=web')}`);
  const byNode = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('spec.nodeName=n1')}`);
  const byPhase = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('status.phase=Running')}`);
  const byName = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('metadata.name=x')}`);
  await create(ns, pod('x', { labels: { app: 'web' } }));
  await create(ns, pod('y', { labels: { app: 'db' } }));
  const leaving = await update(ns, 'x', (p) => (p.metadata.labels = { app: 'db' }));
  await update(ns, 'x', (p) => (p.metadata.labels = { app: 'web' }));
  await update(ns, 'y', (p) => (p.metadata.labels = { app: 'db', other: '1' }));
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'y' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
  assert.equal((await api.post(`${PODS(ns)}/y/binding`, binding)).status, 201);
  await update(ns, 'y', (p) => (p.status.phase = 'Running'), '/status');
  await update(ns, 'y', (p) => (p.status.phase = 'Succeeded'), '/status');
  await remove(ns, 'x');

  const l = await readEvents(byLabel, (e) => e.length >= 4);
  assert.deepEqual(summary(l), ['ADDED x', 'DELETED x', 'ADDED x', 'DELETED x']);
  // leaving the selection: DELETED with the previous (matching) state, at the rv of the change
  assert.deepEqual(l[1]?.object.metadata.labels, { app: 'web' });
  assert.equal(l[1]?.object.metadata.resourceVersion, leaving.metadata.resourceVersion);
  await expectQuiet(byLabel, 200);

  const n = await readEvents(byNode, (e) => e.length >= 3);
  assert.deepEqual(summary(n), ['ADDED y', 'MODIFIED y', 'MODIFIED y']);
  assert.equal(n[0]?.object.spec.nodeName, 'n1');

  const p = await readEvents(byPhase, (e) => e.length >= 2);
  assert.deepEqual(summary(p), ['ADDED y', 'DELETED y']);
  assert.equal(p[0]?.object.status.phase, 'Running');

  const nm = await readEvents(byName, (e) => e.length >= 4);
  assert.deepEqual(summary(nm), ['ADDED x', 'MODIFIED x', 'MODIFIED x', 'DELETED x']);
  for (const s of [byLabel, byNode, byPhase, byName]) s.close();
  // a watch of one object by path (legacy /watch/ prefix) sees only it
  const rv2 = await listRV(ns);
  const one = await watch(`/api/v1/watch/namespaces/${ns}/pods/z?resourceVersion=${rv2}`);
  await create(ns, pod('zz'));
  await create(ns, pod('z'));
  assert.deepEqual(summary(await readEvents(one, (e) => e.length >= 1)), ['ADDED z']);
  one.close();
});

test('graceful deletion is seen as MODIFIED (deletionTimestamp) then DELETED; finalizer removal too', async () => {
  const ns = 'w-graceful';
  await mkns(ns);
  await create(ns, pod('bound', { nodeName: 'n1' }));
  await create(ns, pod('held', { finalizers: ['example.com/hold'] }));
  const s = await watch(`${PODS(ns)}?watch=true&resourceVersion=${await listRV(ns)}`);
  assert.equal((await api.del(`${PODS(ns)}/bound`)).status, 200);
  assert.equal((await api.del(`${PODS(ns)}/bound?gracePeriodSeconds=0`)).status, 200);
  assert.equal((await api.del(`${PODS(ns)}/held`)).status, 200);
  await update(ns, 'held', (p) => (p.metadata.finalizers = []));
  const evs = await readEvents(s, (e) => e.length >= 5);
  assert.deepEqual(summary(evs), ['MODIFIED bound', 'DELETED bound', 'MODIFIED held', 'MODIFIED held', 'DELETED held']);
  assert.equal(evs[0]?.object.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(evs[0]?.object.metadata.deletionTimestamp);
  assert.ok(evs[2]?.object.metadata.deletionTimestamp);
  await expectQuiet(s, 300);
  s.close();
});

test('all-namespaces watch /api/v1/pods sees every namespace', async () => {
  await mkns('w-all-1');
  await mkns('w-all-2');
  const rv = (await api.get('/api/v1/pods')).json.metadata.resourceVersion;
  const s = await watch(`/api/v1/pods?watch=true&resourceVersion=${rv}`);
  await create('w-all-1', pod('p1'));
  await create('w-all-2', pod('p2'));
  const evs = await readEvents(s, (e) => e.length >= 2);
  assert.deepEqual(evs.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`), ['ADDED w-all-1/p1', 'ADDED w-all-2/p2']);
  s.close();
});

test('timeoutSeconds ends the stream', async () => {
  const ns = 'w-timeout';
  await mkns(ns);
  const t0 = Date.now();
  const s = await watch(`${PODS(ns)}?watch=true&timeoutSeconds=1&resourceVersion=${await listRV(ns)}`);
  await within(s.ended, 5_000, 'the stream to end');
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 4_000, `ended after ${took} ms`);
});

/** A WebSocket watch: messages as parsed events, plus the close. */
interface WsWatch {
  frames: string[];
  next(timeoutMs?: number): Promise<WatchEvent | undefined>;
  closed: Promise<number>;
  ws: WebSocket;
}

function wsWatch(path: string, headers: Record<string, string> = {}): Promise<WsWatch> {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + path, { headers });
  open.push({ close: () => ws.terminate() });
  const frames: string[] = [];
  const queue: string[] = [];
  const waiters: (() => void)[] = [];
  let isClosed = false;
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      isClosed = true;
      for (const w of waiters.splice(0)) w();
      resolve(code);
    });
  });
  ws.on('message', (data, isBinary) => {
    assert.equal(isBinary, false, 'watch events are text frames');
    const s = data.toString();
    frames.push(s);
    queue.push(s);
    for (const w of waiters.splice(0)) w();
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        frames,
        ws,
        closed,
        async next(timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (queue.length === 0 && !isClosed) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no WebSocket frame within ${timeoutMs} ms on ${path}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, left);
              waiters.push(() => {
                clearTimeout(t);
                r();
              });
            });
          }
          const f = queue.shift();
          return f === undefined ? undefined : (JSON.parse(f) as WatchEvent);
        },
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
  });
}

async function wsRead(w: WsWatch, n: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < n) {
    const ev = await w.next(timeoutMs);
    if (!ev) throw new Error(`WebSocket closed after ${out.length} events: ${out.map(brief).join(', ')}`);
    out.push(ev);
  }
  return out;
}

test('WebSocket watch: one event per text frame, initial events, resume, selectors, 410', async () => {
  const ns = 'w-ws';
  await mkns(ns);
  await create(ns, pod('a', { labels: { app: 'web' } }));
  await create(ns, pod('b'));
  // no rv: synthetic ADDED, then live changes
  const w = await wsWatch(`${PODS(ns)}?watch=true`);
  assert.deepEqual(summary(await wsRead(w, 2)).sort(), ['ADDED a', 'ADDED b']);
  const rv = await listRV(ns);
  await create(ns, pod('c'));
  await update(ns, 'a', (p) => (p.metadata.labels = { app: 'db' }));
  await remove(ns, 'b');
  assert.deepEqual(summary(await wsRead(w, 3)), ['ADDED c', 'MODIFIED a', 'DELETED b']);
  for (const f of w.frames) {
    const ev = JSON.parse(f) as WatchEvent; // exactly one event per frame
    assert.ok(['ADDED', 'MODIFIED', 'DELETED'].includes(ev.type));
    assert.equal(ev.object.kind, 'Pod');
  }
  w.ws.close();
  // resume from rv: exactly the later events
  const r = await wsWatch(`${PODS(ns)}?watch=true&resourceVersion=${rv}`);
  assert.deepEqual(summary(await wsRead(r, 3)), ['ADDED c', 'MODIFIED a', 'DELETED b']);
  await assert.rejects(r.next(300), /no WebSocket frame/);
  r.ws.close();
  // label selector: a leaving the selection is DELETED
  const sel = await wsWatch(`${PODS(ns)}?watch=true&resourceVersion=${rv}&labelSelector=app%3Dweb`);
  assert.deepEqual(summary(await wsRead(sel, 1)), ['DELETED a']);
  sel.ws.close();
  // the watch=true query is optional on the WebSocket path for a collection
  const plain = await wsWatch(`${PODS(ns)}?resourceVersion=${rv}`);
  assert.deepEqual(summary(await wsRead(plain, 3)), ['ADDED c', 'MODIFIED a', 'DELETED b']);
  plain.ws.close();
  // 410: one ERROR frame, then the socket closes normally
  await create(ns, pod('d'));
  await podsCacher().compact(await server.storage.currentRevision());
  const ex = await wsWatch(`${PODS(ns)}?watch=true&resourceVersion=${rv}`);
  const [err] = await wsRead(ex, 1);
  assert.equal(err?.type, 'ERROR');
  assert.equal(err?.object.code, 410);
  assert.equal(err?.object.reason, 'Expired');
  assert.equal(await ex.closed, 1000);
  assert.equal(ex.frames.length, 1);
  // timeoutSeconds closes the socket
  const to = await wsWatch(`${PODS(ns)}?watch=true&timeoutSeconds=1&resourceVersion=${await listRV(ns)}`);
  assert.equal(await within(to.closed, 5_000, 'the WebSocket to close at timeoutSeconds'), 1000);
  // a bad selector is a 400 BadRequest: either the upgrade is refused with HTTP 400 (kube-apiserver validates
  // before upgrading) or the socket carries one ERROR event with the 400 Status and closes
  let refused: WsWatch | Error;
  try {
    refused = await wsWatch(`${PODS(ns)}?watch=true&fieldSelector=spec.foo%3Dx`);
  } catch (e) {
    refused = e as Error;
  }
  if (refused instanceof Error) {
    assert.match(refused.message, /HTTP 400/);
  } else {
    const [e400] = await wsRead(refused, 1);
    assert.equal(e400?.type, 'ERROR');
    assert.equal(e400?.object.code, 400);
    assert.equal(e400?.object.reason, 'BadRequest');
    assert.match(e400?.object.message, /spec\.foo/);
    await refused.closed;
    assert.equal(refused.frames.length, 1);
  }
});

test('Table watch: events are one-row Tables (column definitions on the first)', async () => {
  const ns = 'w-table';
  await mkns(ns);
  await create(ns, pod('a'));
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const list = await api.get(PODS(ns), { accept });
  assert.equal(list.json.kind, 'Table');
  const rv = list.json.metadata.resourceVersion;
  const s = await watch(`${PODS(ns)}?watch=true&resourceVersion=${rv}`, { accept });
  assert.equal(s.status, 200);
  assert.match(String(s.headers['content-type']), /as=Table/);
  await create(ns, pod('b'));
  await update(ns, 'b', (p) => (p.metadata.labels = { x: '1' }));
  await remove(ns, 'b');
  const evs = await readEvents(s, (e) => e.length >= 3);
  assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  for (const [i, e] of evs.entries()) {
    assert.equal(e.object.kind, 'Table');
    assert.equal(e.object.apiVersion, 'meta.k8s.io/v1');
    assert.equal(e.object.rows.length, 1);
    assert.equal(e.object.rows[0].cells[0], 'b');
    assert.equal(e.object.rows[0].object.metadata.name, 'b');
    if (i === 0) {
      assert.deepEqual(
        e.object.columnDefinitions.filter((c: { priority: number }) => c.priority === 0).map((c: { name: string }) => c.name),
        ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
      );
    }
  }
  s.close();
  // initial events without rv are Tables too
  const s2 = await watch(`${PODS(ns)}?watch=true`, { accept });
  const init = await readEvents(s2, (e) => e.length >= 1);
  assert.equal(init[0]?.type, 'ADDED');
  assert.equal(init[0]?.object.kind, 'Table');
  assert.equal(init[0]?.object.rows[0].cells[0], 'a');
  s2.close();
});
