/** restScaleGetter against a real apiserver: kind -> resource through discovery, then the scale subresource. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '../../shared/api/apps-v1.ts';
import type { OwnerReference } from '../../shared/api/meta.ts';
import { Clientset } from '../../shared/client/clientset.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';
import { restScaleGetter } from './scale-getter.ts';

let server: TestServer;
let rest: RestClient;

before(async () => {
  server = await startTestServer();
  rest = new RestClient({ server: server.url });
});
after(async () => {
  rest.close();
  await server.close();
});

const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

test('a scalable kind answers with its scale; a replaced object, a kind without scale and an unknown kind do not', async () => {
  const cs = new Clientset(rest);
  const d = (await cs.deployments.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4, selector: { matchLabels: { app: 'x' } }, template } } as Deployment)) as Deployment;
  const getScale = restScaleGetter(rest);
  const ref = (kind: string, name: string, uid: string, apiVersion = 'apps/v1'): OwnerReference => ({ apiVersion, kind, name, uid, controller: true });
  assert.deepEqual(await getScale(ref('Deployment', 'web', d.metadata.uid ?? ''), 'default'), { uid: d.metadata.uid, scale: 4 });
  assert.equal(await getScale(ref('Deployment', 'web', 'another-uid'), 'default'), undefined, 'a replaced object is not the controller');
  assert.equal(await getScale(ref('Deployment', 'gone', 'x'), 'default'), undefined, 'a missing object is no error');
  await assert.rejects(getScale(ref('DaemonSet', 'ds', 'x'), 'default'), /^Error: daemonsets\.apps does not implement the scale subresource$/);
  await assert.rejects(getScale(ref('Widget', 'w', 'x', 'example.com/v1'), 'default'), /no matches for kind "Widget" in version "example.com\/v1"/);
});
