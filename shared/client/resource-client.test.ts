import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../api/meta.ts';
import { Clientset, leasesResource, nodesResource, podsResource } from './clientset.ts';
import { RestClient } from './rest-client.ts';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

async function recorder(t: { after: (fn: () => unknown) => void }): Promise<{ cs: Clientset; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url?.includes('watch=true')) {
        res.end();
        return;
      }
      res.end(JSON.stringify({ kind: 'Status', metadata: {}, items: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const rest = new RestClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  t.after(() => {
    rest.close();
    server.closeAllConnections();
    server.close();
  });
  return { cs: new Clientset(rest), seen };
}

const pod = (): KubeObject => ({ metadata: { name: 'web', namespace: 'default', resourceVersion: '7' }, spec: {} });

test('verbs map to the Kubernetes URL layout', async (t) => {
  const { cs, seen } = await recorder(t);
  await cs.pods.get('default', 'web', { resourceVersion: '0' });
  await cs.pods.list('', { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1', limit: 500, continue: 'tok', resourceVersion: '10', resourceVersionMatch: 'NotOlderThan' });
  await cs.pods.list('kube-system');
  await cs.nodes.get('', 'n1');
  await cs.leases.get('kube-node-lease', 'n1');
  await cs.resource({ group: 'apps', version: 'v1', resource: 'deployments', namespaced: true }).list('');
  assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), [
    'GET /api/v1/namespaces/default/pods/web?resourceVersion=0',
    'GET /api/v1/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1&limit=500&continue=tok&resourceVersion=10&resourceVersionMatch=NotOlderThan',
    'GET /api/v1/namespaces/kube-system/pods',
    'GET /api/v1/nodes/n1',
    'GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1',
    'GET /apis/apps/v1/deployments',
  ]);
});

test('writes: create, update, updateStatus, patch, delete, bind', async (t) => {
  const { cs, seen } = await recorder(t);
  await cs.pods.create({ metadata: { name: 'web', namespace: 'default' } }, { dryRun: true, fieldManager: 'me' });
  await cs.pods.update(pod());
  await cs.pods.updateStatus(pod());
  await cs.pods.patch('default', 'web', 'application/merge-patch+json', { metadata: { labels: { a: 'b' } } });
  await cs.pods.patch('default', 'web', 'application/json-patch+json', [{ op: 'remove', path: '/spec/x' }], { subresource: 'status' });
  await cs.pods.patch('default', 'web', 'application/apply-patch+yaml', { metadata: { name: 'web' } }, { fieldManager: 'kubelab', force: true });
  await cs.pods.delete('default', 'web', { gracePeriodSeconds: 0, preconditions: { uid: 'u1', resourceVersion: '7' }, propagationPolicy: 'Background' });
  await cs.pods.bind('default', 'web', 'node-1', { uid: 'u1' });
  await cs.nodes.updateStatus({ metadata: { name: 'n1', resourceVersion: '3' }, status: {} });

  assert.deepEqual(seen.map((s) => `${s.method} ${s.url} ${s.contentType ?? '-'}`), [
    'POST /api/v1/namespaces/default/pods?dryRun=All&fieldManager=me application/json',
    'PUT /api/v1/namespaces/default/pods/web application/json',
    'PUT /api/v1/namespaces/default/pods/web/status application/json',
    'PATCH /api/v1/namespaces/default/pods/web application/merge-patch+json',
    'PATCH /api/v1/namespaces/default/pods/web/status application/json-patch+json',
    'PATCH /api/v1/namespaces/default/pods/web?fieldManager=kubelab&force=true application/apply-patch+yaml',
    'DELETE /api/v1/namespaces/default/pods/web application/json',
    'POST /api/v1/namespaces/default/pods/web/binding application/json',
    'PUT /api/v1/nodes/n1/status application/json',
  ]);
  assert.deepEqual(seen[0]?.body, { metadata: { name: 'web', namespace: 'default' }, apiVersion: 'v1', kind: 'Pod' }, 'kind/apiVersion defaulted');
  assert.deepEqual(seen[6]?.body, {
    kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0,
    preconditions: { uid: 'u1', resourceVersion: '7' }, propagationPolicy: 'Background',
  });
  assert.deepEqual(seen[7]?.body, {
    apiVersion: 'v1', kind: 'Binding',
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
  });
});

test('watch sends the reflector parameters', async (t) => {
  const { cs, seen } = await recorder(t);
  for await (const _ of cs.pods.watch('default', { resourceVersion: '12', allowWatchBookmarks: true, timeoutSeconds: 412, labelSelector: 'a=b' })) {
    // the recorder ends the stream at once
  }
  assert.equal(seen[0]?.url, '/api/v1/namespaces/default/pods?labelSelector=a%3Db&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=412&watch=true');
});

test('scope mistakes are caught before any request', async (t) => {
  const { cs, seen } = await recorder(t);
  assert.throws(() => cs.pods.get('', 'web'), /pods are namespaced and the namespace is empty/);
  assert.throws(() => cs.nodes.get('default', 'n1'), /nodes are cluster-scoped/);
  assert.throws(() => cs.pods.delete('default', ''), /name is empty/);
  assert.throws(() => cs.pods.create({ metadata: { name: 'x' } }), /namespace is empty/);
  assert.equal(seen.length, 0);
  assert.equal(podsResource.namespaced && !nodesResource.namespaced && leasesResource.group, 'coordination.k8s.io');
});

test('names are URL-encoded', async (t) => {
  const { cs, seen } = await recorder(t);
  await cs.nodes.get('', 'a b/c');
  assert.equal(seen[0]?.url, '/api/v1/nodes/a%20b%2Fc');
});
