/**
 * Protobuf end to end (issue 12): the real kubectl's typed clients send protobuf bodies and ask for protobuf
 * answers (`Accept: application/vnd.kubernetes.protobuf, *\/*`): create deployment|configmap|secret, describe,
 * drain (a protobuf pod LIST; evictions, or with --disable-eviction DELETEs with protobuf DeleteOptions), debug (a
 * protobuf Pod create). Raw requests check the
 * wire itself: objects, lists from storage and from the watch cache, Status errors, 406, and a protobuf watch
 * stream of length-prefixed WatchEvent frames.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, podObject, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';
import { decodeObject, decodeWatchEvent, encodeObject, splitFrames } from '../../../shared/protobuf/envelope.ts';

const PB = 'application/vnd.kubernetes.protobuf';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
});
after(async () => {
  await env?.close();
});

async function pbRequest(method: string, path: string, opts: { body?: Buffer; accept?: string } = {}): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(env.server.url + path, {
    method,
    body: opts.body,
    headers: { accept: opts.accept ?? `${PB}, */*`, ...(opts.body ? { 'content-type': PB } : {}) },
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

describe('kubectl with protobuf (typed clients)', () => {
  it('create deployment, configmap and secret: protobuf bodies decoded, protobuf answers read by kubectl', async () => {
    const ns = await env.namespace('pb-create');
    const k = env.kubectl.ns(ns);
    assert.equal(await k.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80']), 'deployment.apps/web created\n');
    const d = await env.api.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);

    const verbose = await k.run(['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two', '-v=8']);
    assert.equal(verbose.stdout, 'configmap/cfg created\n');
    // kubectl's own log: the request went out in protobuf and the answer came back in protobuf.
    // (klog's wording differs between kubectl versions: `Request Headers:` or `"Request" verb="POST" headers=<`.)
    assert.match(verbose.stderr, /Request[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf[\s\S]*Response/);
    assert.match(verbose.stderr, /Response[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf/);
    assert.deepEqual((await env.api.get(`/api/v1/namespaces/${ns}/configmaps/cfg`)).data, { a: '1', b: 'two' });
    assert.equal(await k.ok(['create', 'secret', 'generic', 'sec', '--from-literal=password=s3cr3t']), 'secret/sec created\n');
    const s = await env.api.get(`/api/v1/namespaces/${ns}/secrets/sec`);
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 's3cr3t');
    assert.equal(s.type, 'Opaque');
  });

  it('describe reads pods, nodes, namespaces, deployments, configmaps, secrets and events in protobuf', async () => {
    const ns = await env.namespace('pb-describe');
    const k = env.kubectl.ns(ns);
    await env.api.createNode('pb-describe-n1', { internalIP: '10.0.9.1' });
    const pod = podObject('web', { labels: { app: 'web' } });
    (pod.spec as Record<string, unknown>).nodeName = 'pb-describe-n1';
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, pod);
    await env.api.setPodStatus(ns, 'web', {
      phase: 'Running',
      podIP: '10.1.0.5',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
    });
    await k.ok(['create', 'deployment', 'd', '--image=busybox']);
    await k.ok(['create', 'configmap', 'c', '--from-literal=k=v']);
    const podOut = await k.ok(['describe', 'pod', 'web']);
    assert.match(podOut, /^Name:\s+web$/m);
    assert.match(podOut, /^Node:\s+pb-describe-n1/m);
    assert.match(podOut, /^IP:\s+10\.1\.0\.5$/m);
    assert.match(podOut, /^Status:\s+Running$/m);
    assert.match(await k.ok(['describe', 'node', 'pb-describe-n1']), /InternalIP:\s+10\.0\.9\.1/);
    assert.match(await k.ok(['describe', 'deployment', 'd']), /^Replicas:\s+1 desired/m);
    assert.match(await k.ok(['describe', 'configmap', 'c']), /^k:\n----\nv$/m);
    assert.match(await env.kubectl.ok(['describe', 'namespace', ns]), new RegExp(`^Name:\\s+${ns}$`, 'm'));
  });

  for (const [how, flags] of [
    ['through pods/eviction', []],
    ['with --disable-eviction: DELETE with protobuf DeleteOptions', ['--disable-eviction']],
  ] as const) {
    it(`drain ${how} (the pod LIST and GETs in protobuf)`, async () => {
      const ns = await env.namespace('pb-drain');
      const node = `pb-drain-${flags.length}`;
      await env.api.createNode(node, { internalIP: `10.0.9.${2 + flags.length}` });
      for (const name of ['a', 'b']) {
        const pod = podObject(name);
        (pod.spec as Record<string, unknown>).nodeName = node;
        await env.api.post(`/api/v1/namespaces/${ns}/pods`, pod);
      }
      const r = await env.kubectl.run(['drain', node, '--force', '--grace-period=0', '--timeout=60s', ...flags]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`node/${node} drained`));
      assert.match(r.stdout, flags.length ? /pod\/a deleted/ : /pod\/a evicted/);
      assert.equal((await env.api.get(`/api/v1/nodes/${node}`)).spec.unschedulable, true);
      assert.deepEqual((await env.api.get(`/api/v1/namespaces/${ns}/pods`)).items, []);
    });
  }

  it('debug --copy-to creates the copy with a protobuf Pod body', async () => {
    const ns = await env.namespace('pb-debug');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('orig', { labels: { app: 'orig' } }));
    const r = await k.run(['debug', 'orig', '--copy-to=orig-debug', '--image=busybox:1.36', '--container=dbg', '--', 'sleep', '5']);
    assert.equal(r.code, 0, r.stderr);
    const copy = await env.api.get(`/api/v1/namespaces/${ns}/pods/orig-debug`);
    const names = copy.spec.containers.map((c: { name: string }) => c.name);
    assert.deepEqual(names, ['main', 'dbg']);
    assert.deepEqual(copy.spec.containers[1].command, ['sleep', '5']);
    assert.equal(copy.spec.containers[1].image, 'busybox:1.36');
  });
});

describe('protobuf on the wire', () => {
  it('create and get a pod in protobuf; the answer is the object kube stores', async () => {
    const ns = await env.namespace('pb-wire');
    const body = encodeObject({ ...podObject('p1', { labels: { a: 'b' } }), metadata: { name: 'p1', labels: { a: 'b' }, creationTimestamp: null } });
    const created = await pbRequest('POST', `/api/v1/namespaces/${ns}/pods`, { body });
    assert.equal(created.status, 201, created.body.toString());
    assert.equal(created.type, PB);
    const obj = decodeObject(created.body);
    const json = await env.api.get(`/api/v1/namespaces/${ns}/pods/p1`);
    assert.deepEqual(obj, json);
    const got = await pbRequest('GET', `/api/v1/namespaces/${ns}/pods/p1`);
    assert.equal(got.type, PB);
    assert.deepEqual(decodeObject(got.body), json);
  });

  it('a protobuf eviction and a protobuf binding are answered with a protobuf Status', async () => {
    const ns = await env.namespace('pb-evict');
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('ev'));
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('bd'));
    const binding = encodeObject({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bd', creationTimestamp: null }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
    const bound = await pbRequest('POST', `/api/v1/namespaces/${ns}/pods/bd/binding`, { body: binding });
    assert.equal(bound.status, 201, bound.body.toString());
    assert.equal(bound.type, PB);
    assert.deepEqual([decodeObject(bound.body).kind, decodeObject(bound.body).status], ['Status', 'Success']);
    const eviction = encodeObject({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev', namespace: ns, creationTimestamp: null } });
    const evicted = await pbRequest('POST', `/api/v1/namespaces/${ns}/pods/ev/eviction`, { body: eviction });
    assert.equal(evicted.status, 201, evicted.body.toString());
    assert.equal(evicted.type, PB);
    const status = decodeObject(evicted.body);
    assert.deepEqual([status.kind, status.status, status.code], ['Status', 'Success', 201]);
  });

  it('lists from storage and from the watch cache (twice: the cached messages are reused) equal the JSON list', async () => {
    const ns = await env.namespace('pb-list');
    for (let i = 0; i < 5; i++) await env.api.post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { i: String(i) } });
    for (const q of ['', '?resourceVersion=0', '?resourceVersion=0', '?limit=2']) {
      const json = await env.api.get(`/api/v1/namespaces/${ns}/configmaps${q}`);
      const pb = await pbRequest('GET', `/api/v1/namespaces/${ns}/configmaps${q}`);
      assert.equal(pb.status, 200);
      assert.equal(pb.type, PB);
      const list = decodeObject(pb.body);
      assert.equal(list.kind, 'ConfigMapList');
      // Items carry no TypeMeta in protobuf (kube's typed clients don't need it).
      const withoutTypeMeta = json.items.map(({ kind: _k, apiVersion: _a, ...rest }: Record<string, unknown>) => rest);
      assert.deepEqual(list.items, withoutTypeMeta, q);
      assert.equal((list.metadata as { continue?: string }).continue !== undefined, json.metadata.continue !== undefined, q);
    }
  });

  it('PartialObjectMetadata(List) in protobuf, as metadata informers ask for it', async () => {
    const ns = await env.namespace('pb-pom');
    await env.api.post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', labels: { x: 'y' } }, data: { a: 'b' } });
    const accept = `${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json`;
    const list = await pbRequest('GET', `/api/v1/namespaces/${ns}/configmaps`, { accept });
    assert.equal(list.type, PB);
    const decoded = decodeObject(list.body);
    assert.deepEqual([decoded.kind, decoded.apiVersion], ['PartialObjectMetadataList', 'meta.k8s.io/v1']);
    const json = await env.api.get(`/api/v1/namespaces/${ns}/configmaps/m`);
    assert.deepEqual(decoded.items, [{ metadata: json.metadata }]);
    const one = decodeObject((await pbRequest('GET', `/api/v1/namespaces/${ns}/configmaps/m`, { accept: `${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1` })).body);
    assert.deepEqual(one, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: json.metadata });
  });

  it('errors are protobuf Status when protobuf was accepted; 406 in kube words when nothing is acceptable', async () => {
    const missing = await pbRequest('GET', '/api/v1/namespaces/default/pods/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.type, PB);
    const status = decodeObject(missing.body);
    assert.deepEqual([status.kind, status.apiVersion, status.reason, status.code, status.message], ['Status', 'v1', 'NotFound', 404, 'pods "nope" not found']);
    const json = await pbRequest('GET', '/api/v1/namespaces/default/pods/nope', { accept: 'application/json' });
    assert.equal(json.type, 'application/json');
    const notAcceptable = await pbRequest('GET', '/api/v1/namespaces/default/pods', { accept: 'text/html' });
    assert.equal(notAcceptable.status, 406);
    assert.equal(
      JSON.parse(notAcceptable.body.toString()).message,
      'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
    const table = await pbRequest('GET', '/api/v1/namespaces/default/pods', { accept: `${PB};as=Table;v=v1;g=meta.k8s.io, application/json` });
    assert.equal(table.type, 'application/json', 'no protobuf Table: the JSON list');
  });

  it('watch: length-prefixed WatchEvent frames, initial events, the initial-events-end bookmark, then changes', async () => {
    const ns = await env.namespace('pb-watch');
    await env.api.post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' } });
    const ac = new AbortController();
    const res = await fetch(
      `${env.server.url}/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=30`,
      { headers: { accept: `${PB}, */*` }, signal: ac.signal },
    );
    assert.equal(res.headers.get('content-type'), `${PB};stream=watch`);
    const events: { type: string; object: Record<string, any> }[] = [];
    let buf = Buffer.alloc(0);
    const reader = res.body!.getReader();
    const pumping = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf = Buffer.concat([buf, Buffer.from(value)]);
        const { frames, rest } = splitFrames(buf);
        buf = Buffer.from(rest);
        for (const f of frames) events.push(decodeWatchEvent(f));
      }
    })().catch(() => undefined);
    await eventually('initial events', async () => events.some((e) => e.type === 'BOOKMARK'));
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, 'before');
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    await env.api.post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' }, data: { x: 'y' } });
    const added = await eventually('ADDED after', async () => events.find((e) => e.type === 'ADDED' && e.object.metadata.name === 'after'));
    assert.deepEqual(added.object, await env.api.get(`/api/v1/namespaces/${ns}/configmaps/after`));
    ac.abort();
    await pumping;
  });
});
