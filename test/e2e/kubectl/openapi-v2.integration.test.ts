/**
 * /openapi/v2 with the real kubectl 1.29 and 1.33: what kubectl does with the protobuf document (apply of a
 * `kind: List`, the no-matches error for an unknown kind, edit of several objects, explain
 * --output=plaintext-openapiv2 of every served kind that has a schema), and the endpoint itself as
 * kube-openapi serves it (negotiation, ETag, gzip, 406; anonymous users refused, authenticated ones served
 * through system:discovery).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../../integration/framework/secured-test-server.ts';
import { resourceRegistry } from '../../../apiserver/registry/resource-registry.ts';
import { schemaNameFor } from '../../../apiserver/openapi/schemas.ts';

const PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** One raw GET, body kept as bytes (fetch would undo the gzip). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const LIST = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
  data:
    mode: "one"
- apiVersion: v1
  kind: Pod
  metadata:
    name: web
    labels: {app: web}
  spec:
    containers:
    - name: main
      image: nginx:1.27
      ports:
      - containerPort: 80
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: front
  spec:
    replicas: 2
    selector:
      matchLabels: {app: front}
    template:
      metadata:
        labels: {app: front}
      spec:
        containers:
        - name: main
          image: nginx:1.27
`;

/** The served kinds that have a schema: each must explain from the v2 document (new groups join by registering). */
function explainableResources(): { resource: string; apiVersion: string; kind: string }[] {
  const out: { resource: string; apiVersion: string; kind: string }[] = [];
  for (const gv of resourceRegistry.groupVersions()) {
    const apiVersion = gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
    for (const e of resourceRegistry.resourcesIn(gv.group, gv.version)) {
      if (e.verbs.length === 1 && e.verbs[0] === 'create') continue; // bindings, reviews: no kind of their own to explain
      if (schemaNameFor(e.kind, apiVersion) === undefined) continue;
      out.push({ resource: e.resource, apiVersion, kind: e.kind });
    }
  }
  return out;
}

for (const minor of [29, 33]) {
  describe(`kubectl 1.${minor} with /openapi/v2`, () => {
    let env: KubectlEnv;
    let ns: string;

    before(async () => {
      env = await startKubectlEnv({ minorVersion: minor });
      ns = await env.namespace(`oa${minor}`);
    });
    after(async () => {
      await env?.close();
    });

    it('apply -f of a kind: List creates, leaves unchanged and configures each item', async () => {
      const k = env.kubectl.ns(ns);
      env.write('list.yaml', LIST);
      assert.equal(await k.ok(['apply', '-f', 'list.yaml']), 'configmap/settings created\npod/web created\ndeployment.apps/front created\n');
      assert.equal(await k.ok(['apply', '-f', 'list.yaml']), 'configmap/settings unchanged\npod/web unchanged\ndeployment.apps/front unchanged\n');
      env.write('list.yaml', LIST.replace('mode: "one"', 'mode: "two"').replaceAll('nginx:1.27', 'nginx:1.28'));
      assert.equal(await k.ok(['apply', '-f', 'list.yaml']), 'configmap/settings configured\npod/web configured\ndeployment.apps/front configured\n');
      assert.equal((await env.api.get(`/api/v1/namespaces/${ns}/configmaps/settings`)).data.mode, 'two');
      const pod = await env.api.get(`/api/v1/namespaces/${ns}/pods/web`);
      // The strategic merge patch kept the container (merged by name) and its port.
      assert.deepEqual(pod.spec.containers.map((c: { name: string; image: string; ports: unknown }) => [c.name, c.image, c.ports]), [['main', 'nginx:1.28', [{ containerPort: 80, protocol: 'TCP' }]]]);
      const front = await env.api.get(`/apis/apps/v1/namespaces/${ns}/deployments/front`);
      assert.deepEqual(front.spec.template.spec.containers.map((c: { name: string; image: string }) => [c.name, c.image]), [['main', 'nginx:1.28']]);
      assert.equal(front.metadata.generation, 2, 'a Deployment tracks generation');
    });

    it('apply of a kind nobody serves says kubectl’s no matches for kind', async () => {
      env.write('widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
      const r = await env.kubectl.ns(ns).fail(['apply', '-f', 'widget.yaml']);
      assert.equal(
        r.stderr,
        'error: resource mapping not found for name: "w" namespace: "" from "widget.yaml": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n',
      );
    });

    it('edit of several objects patches the changed one and skips the other', async () => {
      const k = env.kubectl.ns(ns);
      const editor = join(env.dir, 'editor.sh');
      env.write('editor.sh', '#!/bin/sh\nsed -i \'s/mode: two/mode: three/\' "$1"\n');
      chmodSync(editor, 0o755);
      const out = await k.ok(['edit', 'configmap/settings', 'pod/web'], { env: { KUBE_EDITOR: editor, EDITOR: editor } });
      assert.equal(out, 'configmap/settings edited\npod/web skipped\n');
      assert.equal((await env.api.get(`/api/v1/namespaces/${ns}/configmaps/settings`)).data.mode, 'three');
    });

    it('explain --output=plaintext-openapiv2: kinds, fields, required markers, unknown fields', async () => {
      const k = env.kubectl;
      const pods = await k.ok(['explain', 'pods', '--output=plaintext-openapiv2']);
      assert.ok(pods.startsWith('KIND:     Pod\nVERSION:  v1\n\nDESCRIPTION:\n     Pod is a collection of containers'), pods.slice(0, 300));
      assert.match(pods, /\n   spec\t<Object>\n/);
      const ports = await k.ok(['explain', 'pods.spec.containers.ports', '--output=plaintext-openapiv2']);
      assert.match(ports, /^KIND:     Pod\nVERSION:  v1\n\nRESOURCE: ports <\[\]Object>\n/);
      assert.match(ports, /\n   containerPort\t<integer> -required-\n/);
      const recursive = await k.ok(['explain', 'pods', '--recursive', '--output=plaintext-openapiv2']);
      assert.match(recursive, /\n      annotations\t<map\[string\]string>\n/);
      const bad = await k.fail(['explain', 'pods.spec.nope', '--output=plaintext-openapiv2']);
      assert.equal(bad.stderr, 'error: field "nope" does not exist\n');
      const deployment = await k.ok(['explain', 'deployment.spec', '--output=plaintext-openapiv2']);
      assert.match(deployment, /^KIND:     Deployment\nVERSION:  apps\/v1\n\nRESOURCE: spec <Object>\n/);
      assert.match(deployment, /\n   replicas\t<integer>\n/);
      assert.match(deployment, /\n   template\t<Object> -required-\n/);
    });

    it('explain --output=plaintext-openapiv2 of every served kind with a schema', async () => {
      const all = explainableResources();
      assert.ok(all.some((r) => r.kind === 'Pod') && all.some((r) => r.kind === 'Lease'));
      for (const r of all) {
        const out = await env.kubectl.ok(['explain', r.resource, `--api-version=${r.apiVersion}`, '--output=plaintext-openapiv2']);
        assert.ok(out.startsWith(`KIND:     ${r.kind}\nVERSION:  ${r.apiVersion}\n`), `${r.resource}:\n${out.slice(0, 200)}`);
        if (/\n   spec\t<Object>/.test(out)) {
          const spec = await env.kubectl.ok(['explain', `${r.resource}.spec`, `--api-version=${r.apiVersion}`, '--output=plaintext-openapiv2']);
          assert.match(spec, /\nRESOURCE: spec <Object>\n/, r.resource);
        }
      }
    });
  });
}

describe('/openapi/v2 as kube-openapi serves it', () => {
  let env: KubectlEnv;
  before(async () => {
    env = await startKubectlEnv();
  });
  after(async () => {
    await env?.close();
  });

  it('JSON by default and for application/json; protobuf for both subtypes; 406 otherwise', async () => {
    const url = `${env.server.url}/openapi/v2`;
    const json = await get(url);
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    const doc = JSON.parse(json.body.toString('utf8'));
    assert.equal(doc.swagger, '2.0');
    assert.ok(doc.definitions['io.k8s.api.core.v1.Pod']);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch);
    for (const accept of [PROTOBUF, PROTOBUF_DEPRECATED, `${PROTOBUF_DEPRECATED}, application/json;q=0.5`]) {
      const pb = await get(url, { accept });
      assert.equal(pb.status, 200, accept);
      assert.equal(pb.headers['content-type'], PROTOBUF, accept);
      assert.deepEqual([...pb.body.subarray(0, 5)], [0x0a, 0x03, ...Buffer.from('2.0')], 'Document.swagger = "2.0" first');
      assert.equal(pb.headers.etag, json.headers.etag, 'one ETag for both renderings');
    }
    assert.equal((await get(url, { accept: `application/json;q=0.1, ${PROTOBUF}` })).headers['content-type'], PROTOBUF);
    const refused = await get(url, { accept: 'text/html' });
    assert.equal(refused.status, 406);
    assert.equal(refused.body.length, 0);
  });

  it('ETag and If-None-Match, Last-Modified, gzip, Vary', async () => {
    const url = `${env.server.url}/openapi/v2`;
    const first = await get(url, { accept: PROTOBUF });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[0-9A-F]{128}"$/);
    assert.ok(first.headers['last-modified']);
    assert.match(String(first.headers.vary), /Accept/);
    const again = await get(url, { accept: PROTOBUF, 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal((await get(url, { accept: PROTOBUF, 'if-none-match': '"other"' })).status, 200);
    const gz = await get(url, { accept: PROTOBUF, 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.body.length < first.body.length / 3, `${gz.body.length} vs ${first.body.length}`);
    assert.deepEqual(gunzipSync(gz.body), first.body);
  });
});

describe('/openapi/v2 access on a secured server', () => {
  let server: SecuredTestServer;
  before(async () => {
    server = await startSecuredTestServer({ tokens: { 'nobody-token': { user: 'nobody' } } });
  });
  after(async () => {
    await server?.close();
  });

  it('anonymous: 403 (system:discovery is for authenticated users); any authenticated user: 200', async () => {
    const anonymous = await server.call('GET', '/openapi/v2');
    assert.equal(anonymous.status, 403);
    assert.equal(JSON.parse(anonymous.body).message, 'forbidden: User "system:anonymous" cannot get path "/openapi/v2"');
    const user = await server.call('GET', '/openapi/v2', { token: 'nobody-token' });
    assert.equal(user.status, 200);
    assert.equal(JSON.parse(user.body).swagger, '2.0');
  });
});
