/**
 * Endpoints and EndpointSlices end to end: kubectl 1.29 and 1.33 (get, describe, apply, the server-side
 * tables), and @kubernetes/client-node CRUD, including validation refusals in kube's words and the API server's
 * own default/kubernetes Endpoints and EndpointSlice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { parseTable, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';
import { until } from '../../integration/framework/until.ts';

const MANIFEST = (ns: string) => `apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: ${ns}}
subsets:
- addresses: [{ip: 10.1.0.1}, {ip: 10.1.0.2}]
  notReadyAddresses: [{ip: 10.1.0.9}]
  ports: [{name: http, port: 80}, {name: https, port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abcde
  namespace: ${ns}
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.1.0.1]
  conditions: {ready: true}
  nodeName: node-1
  zone: zone-a
- addresses: [10.1.0.9]
  conditions: {ready: false, serving: true, terminating: true}
ports: [{name: http, port: 80}, {name: https, port: 443}]
`;

for (const minor of [29, 33]) {
  describe(`kubectl 1.${minor}: endpoints and endpointslices`, () => {
    let env: KubectlEnv;
    before(async () => {
      env = await startKubectlEnv({ minorVersion: minor, endpointReconciler: { advertiseAddress: '192.0.2.1' } });
    });
    after(async () => {
      await env?.close();
    });

    it('apply, get (server-side tables), describe, delete', async () => {
      const ns = await env.namespace('ep');
      const k = env.kubectl.ns(ns);
      const out = await k.ok(['apply', '-f', env.write(`ep-${minor}.yaml`, MANIFEST(ns))]);
      assert.match(out, /endpoints\/web created/);
      assert.match(out, /endpointslice.discovery.k8s.io\/web-abcde created/);

      const got = await k.run(['get', 'ep']);
      assert.equal(got.code, 0, got.stderr);
      // A 1.33 server warns on every v1 Endpoints request (KEP-4974); a 1.29 one does not.
      const deprecation = 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice';
      if (minor >= 33) assert.match(got.stderr, new RegExp(deprecation.replace(/[.+]/g, '\\$&')));
      else assert.doesNotMatch(got.stderr, /deprecated/);
      assert.doesNotMatch((await k.run(['get', 'endpointslices'])).stderr, /deprecated/);
      const ep = parseTable(got.stdout);
      assert.deepEqual(ep.header, ['NAME', 'ENDPOINTS', 'AGE']);
      assert.deepEqual(ep.rows[0]?.slice(0, 2), ['web', '10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...']);
      const slices = parseTable(await k.ok(['get', 'endpointslices']));
      assert.deepEqual(slices.header, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
      assert.deepEqual(slices.rows[0]?.slice(0, 4), ['web-abcde', 'IPv4', '80,443', '10.1.0.1,10.1.0.9']);
      // The short name and the label selector kube-proxy and DNS use.
      assert.match(await k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'name']), /^endpointslice.discovery.k8s.io\/web-abcde$/m);
      assert.equal((await k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=other', '-o', 'name'])).trim(), '');

      const dep = await k.ok(['describe', 'ep', 'web']);
      assert.match(dep, /Addresses:\s+10\.1\.0\.1,10\.1\.0\.2/);
      assert.match(dep, /NotReadyAddresses:\s+10\.1\.0\.9/);
      assert.match(dep, /http\s+80\s+TCP/);
      const des = await k.ok(['describe', 'endpointslice', 'web-abcde']);
      assert.match(des, /AddressType:\s+IPv4/);
      assert.match(des, /https\s+443\s+TCP/);
      assert.match(des, /NodeName:\s+node-1/);
      assert.match(des, /Zone:\s+zone-a/);
      assert.equal(await k.ok(['get', 'endpointslice', 'web-abcde', '-o', 'jsonpath={.endpoints[1].conditions}']), '{"ready":false,"serving":true,"terminating":true}');

      // generation moves with the spec; addressType cannot.
      const gen = async () => Number(await k.ok(['get', 'endpointslice', 'web-abcde', '-o', 'jsonpath={.metadata.generation}']));
      assert.equal(await gen(), 1);
      await k.ok(['patch', 'endpointslice', 'web-abcde', '--type=merge', '-p', '{"ports":[{"name":"http","port":8080}]}']);
      assert.equal(await gen(), 2);
      const bad = await k.fail(['patch', 'endpointslice', 'web-abcde', '--type=merge', '-p', '{"addressType":"IPv6"}']);
      assert.match(bad.stderr, /addressType: Invalid value: "IPv6": field is immutable/);

      await k.ok(['delete', 'ep', 'web']);
      await k.ok(['delete', 'endpointslices', 'web-abcde']);
      assert.match((await k.run(['get', 'ep'])).stderr, /No resources found/);
    });

    it("the API server's own default/kubernetes endpoints name its address and port", async () => {
      const k = env.kubectl.ns('default');
      const row = await until('kubernetes endpoints', async () => parseTable(await k.ok(['get', 'ep', 'kubernetes'])).rows[0]);
      assert.equal(row[1], `192.0.2.1:${env.server.port}`);
      const slice = parseTable(await k.ok(['get', 'endpointslice', 'kubernetes'])).rows[0];
      assert.deepEqual(slice?.slice(1, 3), ['IPv4', String(env.server.port)]);
      assert.equal(await k.ok(['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.ports[0].targetPort}']), String(env.server.port));
    });
  });
}

describe('@kubernetes/client-node: Endpoints and EndpointSlice CRUD', () => {
  let env: KubectlEnv;
  before(async () => {
    env = await startKubectlEnv({ minorVersion: 32 });
  });
  after(async () => {
    await env?.close();
  });

  function apis(): { core: k8s.CoreV1Api; discovery: k8s.DiscoveryV1Api } {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(env.server.kubeconfig);
    return { core: kc.makeApiClient(k8s.CoreV1Api), discovery: kc.makeApiClient(k8s.DiscoveryV1Api) };
  }

  it('creates, reads, replaces, lists by label and deletes', async () => {
    const ns = await env.namespace('cn');
    const { core, discovery } = apis();
    const created = await core.createNamespacedEndpoints({
      namespace: ns,
      body: { metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '10.2.0.1' }], ports: [{ port: 5432 }] }] },
    });
    assert.equal(created.subsets?.[0]?.ports?.[0]?.protocol, 'TCP');
    const read = await core.readNamespacedEndpoints({ name: 'db', namespace: ns });
    read.subsets = [{ addresses: [{ ip: '10.2.0.2' }, { ip: '10.2.0.1' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }];
    const replaced = await core.replaceNamespacedEndpoints({ name: 'db', namespace: ns, body: read });
    // Repacked: addresses sorted.
    assert.deepEqual(replaced.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.2.0.1', '10.2.0.2']);

    const slice = await discovery.createNamespacedEndpointSlice({
      namespace: ns,
      body: {
        metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.2.0.1'], conditions: { ready: true } }],
        ports: [{ port: 5432 }],
      },
    });
    assert.equal(slice.metadata?.generation, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(slice.ports)), [{ name: '', port: 5432, protocol: 'TCP' }]);
    const listed = await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=db' });
    assert.deepEqual(listed.items.map((s) => s.metadata?.name), ['db-1']);
    slice.endpoints = [...(slice.endpoints ?? []), { addresses: ['10.2.0.2'], conditions: { ready: false } }];
    const updated = await discovery.replaceNamespacedEndpointSlice({ name: 'db-1', namespace: ns, body: slice });
    assert.equal(updated.metadata?.generation, 2);

    await assert.rejects(
      discovery.createNamespacedEndpointSlice({ namespace: ns, body: { metadata: { name: 'bad' }, addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }] } }),
      (e: unknown) => {
        const body = String((e as { body?: unknown }).body ?? '');
        assert.equal((e as { code?: number }).code, 422);
        assert.match(body, /EndpointSlice.discovery.k8s.io \\"bad\\" is invalid: endpoints\[0\]\.addresses\[0\]: Invalid value: \\"127.0.0.1\\": may not be in the loopback range \(127.0.0.0\/8, ::1\/128\)/);
        return true;
      },
    );

    await discovery.deleteNamespacedEndpointSlice({ name: 'db-1', namespace: ns });
    await core.deleteNamespacedEndpoints({ name: 'db', namespace: ns });
    assert.equal((await discovery.listNamespacedEndpointSlice({ namespace: ns })).items.length, 0);
    assert.equal((await core.listNamespacedEndpoints({ namespace: ns })).items.length, 0);
  });
});
